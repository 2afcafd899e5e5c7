package fact

import (
	"bytes"
	"strings"
	"testing"
)

func TestEmitParseRoundTrip(t *testing.T) {
	var b bytes.Buffer
	in := Fact{Step: "v4l2.hflip", V: map[string]any{"set": 1, "got": 0, "dev": "/dev/video0"}}
	if err := Emit(&b, in); err != nil {
		t.Fatal(err)
	}
	var got []Fact
	for _, l := range strings.Split(b.String(), "\n") {
		if f, ok := Parse(l); ok {
			got = append(got, f)
		}
	}
	if len(got) != 1 || got[0].Step != "v4l2.hflip" || got[0].Str("dev") != "/dev/video0" {
		t.Fatalf("got %+v", got)
	}
	if v, ok := got[0].Int("got"); !ok || v != 0 {
		t.Errorf("Int(got) = %d, %v", v, ok)
	}
	if _, ok := got[0].Int("dev"); ok {
		t.Error("Int of a string reported ok")
	}
}

// The kernel can print on the console in the middle of a line.
func TestParseFindsMarkerAfterKernelNoise(t *testing.T) {
	f, ok := Parse(`[    3.1] random: crng init doneHILJ {"step":"boot","v":{"uptime_s":3.1}}` + "\r")
	if !ok || f.Step != "boot" {
		t.Fatalf("got %+v, %v", f, ok)
	}
}

func TestParseRejectsBrokenLines(t *testing.T) {
	for _, l := range []string{
		"plain console output",
		`HILJ {"step":"boot","v":{"uptime_s":3.1`, // cut by a kernel message
		`HILJ {"v":{}}`,                           // no step
		`HILJ not json`,
	} {
		if f, ok := Parse(l); ok {
			t.Errorf("Parse(%q) = %+v, want no fact", l, f)
		}
	}
}
