package cli

import (
	"flag"
	"reflect"
	"slices"
	"testing"
)

func TestParsePorts(t *testing.T) {
	got, err := ParsePorts(" 5577, 5578,")
	if err != nil || !reflect.DeepEqual(got, []int{5577, 5578}) {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"x", "0", "70000", "55a"} {
		if _, err := ParsePorts(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestStringList(t *testing.T) {
	var l StringList
	l.Set("a:1,b:2")
	l.Set("c:3")
	if !reflect.DeepEqual([]string(l), []string{"a:1", "b:2", "c:3"}) {
		t.Fatal(l)
	}
}

func TestUnderscoresRewritesPiGearSpellings(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.String("awb-mode", "", "")
	fs.String("message", "", "")
	fs.Bool("hflip", false, "")
	fs.String("keep_me", "", "")
	in := []string{"--awb_mode", "sunlight", "-exposure_mode=night", "--hflip", "--message", "--awb_mode", "--keep_me", "x",
		"--awb_mode=tungsten", "--no_such", "--", "--awb_mode"}
	want := []string{"--awb-mode", "sunlight", "-exposure_mode=night", "--hflip", "--message", "--awb_mode", "--keep_me", "x",
		"--awb-mode=tungsten", "--no_such", "--", "--awb_mode"}
	if got := Underscores(fs, in); !slices.Equal(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	fs.Bool("x", false, "")
	if err := fs.Parse(Underscores(fs, []string{"--awb_mode", "cloudy", "--hflip"})); err != nil {
		t.Fatal(err)
	}
	if v := fs.Lookup("awb-mode").Value.String(); v != "cloudy" {
		t.Fatalf("awb-mode = %q", v)
	}
}
