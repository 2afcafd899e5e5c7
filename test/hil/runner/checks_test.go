package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/picam-project/picam/hw/status"
)

// The testdata is a real passing run: the guest's serial log and the two
// clients' summaries. Each failure test mutates one thing a broken guest or
// client would get wrong and asserts that exactly that check fails, with a
// message saying what was wrong.

const (
	picamPort   = 40617
	peerPort    = 33203
	encoderPort = 41555
)

func testConfig() config {
	return config{target: "qemu", frames: 60, resolution: "640x480", codec: "jpeg", bootLimit: 240e9}
}

// observe builds observations from a serial log (after edit) and the saved
// client summaries.
func observe(t *testing.T, edit func(string) string) *observations {
	t.Helper()
	b, err := os.ReadFile("testdata/serial-pass.log")
	if err != nil {
		t.Fatal(err)
	}
	log := edit(string(b))
	path := filepath.Join(t.TempDir(), "serial.log")
	if err := os.WriteFile(path, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	o := &observations{consoleLog: path, target: targetResult{kind: "qemu"}, http: httpResult{checked: true, ok: true, clients: 2, attempts: 1, unauthStatus: 401}}
	if err := readConsole(strings.NewReader(log), io.Discard, o.add); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		port int
	}{{picamClient, picamPort}, {netgearPeer, peerPort}, {encoderClient, encoderPort}} {
		b, err := os.ReadFile("testdata/" + c.name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		sum, err := lastJSON(string(b))
		if err != nil {
			t.Fatal(err)
		}
		o.clients = append(o.clients, &clientResult{name: c.name, port: c.port, summary: sum, log: c.name + ".log"})
	}
	return o
}

func same(s string) string { return s }

func count(res []result) (p, f, s int) {
	for _, r := range res {
		switch r.v {
		case pass:
			p++
		case fail:
			f++
		case skip:
			s++
		}
	}
	return
}

func failures(res []result) []result {
	var out []result
	for _, r := range res {
		if r.v == fail {
			out = append(out, r)
		}
	}
	return out
}

func TestPassingRunPasses(t *testing.T) {
	res := evaluate(testConfig(), observe(t, same))
	p, f, s := count(res)
	if f != 0 || s != 0 || p < 25 {
		t.Fatalf("passed %d, failed %d, skipped %d; failures: %+v", p, f, s, failures(res))
	}
}

// expectOneFailure runs evaluate on a mutated log and checks that only the
// named check fails, with a detail containing want.
func expectOneFailure(t *testing.T, c config, o *observations, name, want string) {
	t.Helper()
	fs := failures(evaluate(c, o))
	if len(fs) != 1 || fs[0].name != name || !strings.Contains(fs[0].detail, want) {
		t.Fatalf("want only %q failing with %q, got %+v", name, want, fs)
	}
}

func TestHFlipMismatchFails(t *testing.T) {
	o := observe(t, func(s string) string {
		return strings.Replace(s, `"broken":false,"got":1,"set":1`, `"broken":true,"got":0,"set":1`, 1)
	})
	expectOneFailure(t, testConfig(), o, "camera control hflip reads back", "G_CTRL read back 0")
}

func TestModuleErrorIsReported(t *testing.T) {
	o := observe(t, func(s string) string {
		return strings.Replace(s, `{"step":"module","v":{"name":"vim2m","loaded":true}}`,
			`{"step":"module","err":"modprobe vim2m: Unknown symbol v4l2_m2m_init"}`, 1)
	})
	expectOneFailure(t, testConfig(), o, "module vim2m loads", "Unknown symbol")
}

func TestEncoderTimestampNotCopiedFails(t *testing.T) {
	o := observe(t, func(s string) string {
		return strings.Replace(s, `"timestamp_us":4242`, `"timestamp_us":0`, 1)
	})
	expectOneFailure(t, testConfig(), o, "encoder encodes a camera frame", "timestamp 0us")
}

func TestMissingStepFails(t *testing.T) {
	o := observe(t, func(s string) string {
		var keep []string
		for _, l := range strings.Split(s, "\n") {
			if !strings.Contains(l, `"step":"gpio.in"`) {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	})
	expectOneFailure(t, testConfig(), o, "GPIO simulator input seen through cdev", `no "gpio.in" report`)
}

func TestClientShortOfFramesFails(t *testing.T) {
	o := observe(t, same)
	o.clients[1].summary["frames"] = 12.0
	expectOneFailure(t, testConfig(), o, "netgear-peer receives the stream", "12 frames, the server sent it")
}

func TestWrongFrameShapeFails(t *testing.T) {
	c := testConfig()
	c.resolution = "320x240"
	o := observe(t, same)
	fs := failures(evaluate(c, o))
	// The camera's format read back and the frames' shapes all disagree with the asked size.
	if len(fs) != 3 || fs[0].name != "picam-server applies the PiGear options" || !strings.Contains(fs[0].detail, "format 640x480 YUYV (asked 320x240)") ||
		fs[1].name != "netgear-peer receives the stream" || !strings.Contains(fs[1].detail, "want [[240 320 3]]") ||
		fs[2].name != encoderClient+" decodes the hardware-encoded stream" || !strings.Contains(fs[2].detail, "want [[240 320 3]]") {
		t.Fatalf("got %+v", fs)
	}
}

func TestHTTPFailureIsReported(t *testing.T) {
	o := observe(t, same)
	o.http = httpResult{checked: true, attempts: 7, err: "connection refused"}
	expectOneFailure(t, testConfig(), o, "HTTP /api/clients from the host", "connection refused")
}

func TestGuestThatNeverBootsIsOneClearFailure(t *testing.T) {
	o := observe(t, func(string) string {
		return "[    5.6] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n"
	})
	res := evaluate(testConfig(), o)
	fs := failures(res)
	if len(res) != 2 || len(fs) != 2 || !strings.Contains(fs[0].detail, "VFS: Unable to mount root fs") {
		t.Fatalf("got %+v", res)
	}
}

func TestUnprotectedHTTPFails(t *testing.T) {
	o := observe(t, same)
	o.http.unauthStatus = 200
	expectOneFailure(t, testConfig(), o, "HTTP /api/clients refuses requests without the token", "answered 200")
}

func TestServerLEDThatNeverLitFails(t *testing.T) {
	o := observe(t, func(s string) string {
		i := strings.Index(s, `{"step":"server.led"`)
		j := i + strings.Index(s[i:], "\n")
		return s[:i] + `{"step":"server.led","v":{"flips":0,"high":0,"line":"GPIO17","samples":900,"seconds":4.5}}` + s[j:]
	})
	expectOneFailure(t, testConfig(), o, "picam-server drives its status LED", "never lit")
}

func TestHungGuestFails(t *testing.T) {
	o := observe(t, same)
	o.target.hung = true
	expectOneFailure(t, testConfig(), o, "guest scenario ends and powers off", "did not exit")
}

// In QEMU every device exists, so each way a step can be skipped (a probe
// that no longer finds a control or the simulator, a picam-server --help that
// lost --status-gpio or its camera sources) fails, naming the skip's reason.
func TestSkipInQEMUFailsWithItsReason(t *testing.T) {
	for _, c := range []struct {
		name, fact, line, check, reason string
	}{
		{"hflip", "v4l2.hflip", `{"step":"v4l2.hflip","skip":"the camera has no horizontal_flip control: invalid argument"}`,
			"camera control hflip reads back", "no horizontal_flip control"},
		{"gop", "enc.gop", `{"step":"enc.gop","skip":"the encoder has no GOP size control: invalid argument"}`,
			"encoder control GOP size reads back", "no GOP size control"},
		{"gpio", "gpio.out", `{"step":"gpio.out","skip":"no gpio-sim chip"}`,
			"GPIO cdev output seen by the simulator", "no gpio-sim chip"},
		{"status", "status.button", `{"step":"status.button","skip":"no button given (HIL_BUTTON)"}`,
			"status button short press (hw/status)", "no button given"},
		{"server LED", "server.led", `{"step":"server.led","skip":"this picam-server has no --status-gpio"}`,
			"picam-server drives its status LED", "no --status-gpio"},
		// scenario.sh falls back to the test pattern when --help loses v4l2:/dev/video.
		{"camera source", "server.camera", `{"step":"server.camera","v":{"args":"--source testsrc","warnings":""}}`,
			"picam-server applies the PiGear options", "did not stream from a camera: --source testsrc"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := observe(t, func(s string) string { return replaceFact(s, c.fact, c.line) })
			res := evaluate(testConfig(), o)
			if _, _, s := count(res); s != 0 {
				t.Errorf("%d skips in QEMU, want none: %+v", s, res)
			}
			expectOneFailure(t, testConfig(), o, c.check, "skipped in QEMU")
			expectOneFailure(t, testConfig(), o, c.check, c.reason)
		})
	}
}

// On a Pi without gpio-sim the GPIO checks are skipped, never passed, and the
// closing line names what was not checked.
func TestSkipOnAPiIsCountedAndNamed(t *testing.T) {
	o := observe(t, func(s string) string {
		s = replaceFact(s, "gpio.out", `{"step":"gpio.out","skip":"no gpio-sim chip"}`)
		s = replaceFact(s, "gpio.in", `{"step":"gpio.in","skip":"no gpio-sim chip"}`)
		return s + "\nHILJ {\"step\":\"panel\",\"skip\":\"no simulated LED and button on this target\"}\n"
	})
	o.target.kind = "ssh"
	o.http = httpResult{} // the runner does not reach picam-server's HTTP on a Pi
	c := testConfig()
	c.target = "ssh://pi@raspberrypi.local"
	c.artifacts = t.TempDir()
	res := evaluate(c, o)
	var skipped []string
	for _, r := range res {
		if r.v == skip {
			skipped = append(skipped, r.name+": "+r.detail)
		}
	}
	want := []string{"GPIO cdev output seen by the simulator: no gpio-sim chip", "GPIO simulator input seen through cdev: no gpio-sim chip",
		"picam-server LED states and button (panel): no simulated LED and button on this target", "HTTP /api/clients from the host: not checked over SSH"}
	if strings.Join(skipped, "|") != strings.Join(want, "|") {
		t.Fatalf("skipped %q, want %q", skipped, want)
	}
	var out strings.Builder
	report(&out, c, o, res)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	closing := lines[len(lines)-1]
	if !strings.HasSuffix(closing, "4 skipped (not checked on this board: GPIO cdev output seen by the simulator; GPIO simulator input seen through cdev; "+
		"picam-server LED states and button (panel); HTTP /api/clients from the host)") {
		t.Fatalf("closing line %q does not name the skips", closing)
	}
}

// A probe command that dies early explains every check it never reached.
func TestProbeCommandFailureExplainsMissingSteps(t *testing.T) {
	o := observe(t, func(s string) string {
		var keep []string
		for _, l := range strings.Split(s, "\n") {
			if !strings.Contains(l, `"step":"enc.`) {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n") + "\n" + `HILJ {"step":"encode","err":"opening encoder /dev/video1: permission denied"}` + "\n"
	})
	fs := failures(evaluate(testConfig(), o))
	if len(fs) != 3 {
		t.Fatalf("want the 3 encoder checks failing, got %+v", fs)
	}
	for _, f := range fs {
		if !strings.HasPrefix(f.name, "encoder") || !strings.Contains(f.detail, "probe encode failed before this step: opening encoder /dev/video1: permission denied") {
			t.Errorf("got %+v", f)
		}
	}
}

// replaceFact swaps the whole fact line of step for line.
func replaceFact(s, step, line string) string {
	i := strings.Index(s, `{"step":"`+step+`"`)
	j := i + strings.Index(s[i:], "\n")
	return s[:i] + line + s[j:]
}

func TestPiGearOptionNotAppliedFails(t *testing.T) {
	o := observe(t, func(s string) string {
		i := strings.Index(s, `{"step":"controls.after"`)
		return s[:i] + strings.Replace(s[i:], `"horizontal_flip":1`, `"horizontal_flip":0`, 1)
	})
	expectOneFailure(t, testConfig(), o, "picam-server applies the PiGear options", "--hflip: horizontal_flip 0")
}

// A setting the camera lacks must be warned about, not dropped silently.
func TestSilentlyDroppedOptionFails(t *testing.T) {
	o := observe(t, func(s string) string {
		return replaceFact(s, "server.camera", `{"step":"server.camera","v":{"args":"--source v4l2:/dev/video0 --hflip --iso 800 --awb_mode tungsten --brightness 70","warnings":"iso=800 ignored: no control;"}}`)
	})
	expectOneFailure(t, testConfig(), o, "picam-server applies the PiGear options", "--awb_mode: no white_balance_auto_preset control, so a warning (missing)")
}

func TestLEDShowingTheWrongStateFails(t *testing.T) {
	o := observe(t, func(s string) string {
		// Degraded, but the LED blinks as if waiting.
		return replaceFact(s, "panel.degraded", `{"step":"panel.degraded","v":{"clients":1,"off_runs":[1000,990],"on_runs":[1010],"reached_ms":100,"samples":1000,"state":"degraded","window_ms":4000}}`)
	})
	expectOneFailure(t, testConfig(), o, "picam-server LED shows degraded (from gpio-sim)", "the LED looked like waiting")
}

func TestLEDThatStopsBlinkingFails(t *testing.T) {
	o := observe(t, func(s string) string {
		return replaceFact(s, "panel.waiting", `{"step":"panel.waiting","v":{"clients":0,"off_runs":[],"on_runs":[],"reached_ms":100,"samples":1000,"state":"waiting","window_ms":4000}}`)
	})
	expectOneFailure(t, testConfig(), o, "picam-server LED shows waiting (from gpio-sim)", "the LED did not blink")
}

func TestFramesWhilePausedFail(t *testing.T) {
	o := observe(t, func(s string) string {
		return strings.Replace(s, `"frames_while_paused":0`, `"frames_while_paused":9`, 1)
	})
	expectOneFailure(t, testConfig(), o, "button press pauses picam-server's stream", "while paused 9 received")
}

func TestStateNeverReachedFails(t *testing.T) {
	o := observe(t, func(s string) string {
		return replaceFact(s, "panel.paused", `{"step":"panel.paused","err":"/api/status never showed paused within 20 s"}`)
	})
	expectOneFailure(t, testConfig(), o, "picam-server LED shows paused (from gpio-sim)", "never showed paused")
}

// The patterns' longest runs, as the classification sees them.
func TestLongestRuns(t *testing.T) {
	for _, c := range []struct {
		s       status.State
		on, off float64
	}{{status.Waiting, 1000, 1000}, {status.Streaming, 2300, 200}, {status.Degraded, 150, 1050}, {status.Paused, 100, 1900}, {status.Fault, 300, 700}} {
		on, off := longestRuns(status.PatternFor(c.s, 2))
		if on != c.on || off != c.off {
			t.Errorf("%s: longest on %v off %v, want %v %v", c.s, on, off, c.on, c.off)
		}
	}
}

func TestEncoderStreamDecodeErrorsFail(t *testing.T) {
	o := observe(t, same)
	o.clients[2].summary["decode_errors"] = 3.0
	expectOneFailure(t, testConfig(), o, encoderClient+" decodes the hardware-encoded stream", "3 decode errors")
}

func TestEncoderStreamNotStartingAtAKeyframeFails(t *testing.T) {
	o := observe(t, same)
	o.clients[2].summary["first_keyframe"] = false
	expectOneFailure(t, testConfig(), o, encoderClient+" decodes the hardware-encoded stream", "first frame was not a keyframe")
}

func TestEncoderRunThatFailsIsReported(t *testing.T) {
	o := observe(t, func(s string) string {
		i := strings.Index(s, `{"step":"encoder.exit"`)
		return s[:i] + strings.Replace(s[i:], `"code":0`, `"code":2`, 1)
	})
	res := failures(evaluate(testConfig(), o))
	if len(res) != 1 || res[0].name != "picam-server streams through the hardware encoder" || !strings.Contains(res[0].detail, "exited 2") {
		t.Fatalf("got %+v", res)
	}
}
