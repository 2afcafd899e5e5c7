package main

import (
	"fmt"
	"strings"

	"github.com/picam-project/picam/test/hil/internal/fact"
)

// encoderStream judges the scenario's encoder run: picam-server captured
// from the camera, encoded through the hardware M2M encoder (vicodec's FWHT
// in QEMU, bcm2835-codec's H.264 on a Pi) and sent the result to the host's
// third client, which must have decoded every frame it got, starting with a
// keyframe, at the asked size.
func (j *judge) encoderStream() {
	var cr *clientResult
	for _, c := range j.o.clients {
		if c.name == encoderClient {
			cr = c
		}
	}
	if cr == nil {
		return // this run had no encoder client
	}
	const ex = "picam-server streams through the hardware encoder"
	f, ok := j.step(ex, "encoder.exit")
	if !ok {
		return
	}
	args := f.Str("args")
	code, _ := f.Int("code")
	if code != 0 {
		j.fail(ex, fmt.Sprintf("picam-server %s exited %d: %s", args, code, f.Str("stderr")))
		return
	}
	codec := argValue(args, "--codec")
	sent := int64(-1)
	if s := j.o.all("encoder.summary"); len(s) > 0 {
		if list, _ := s[len(s)-1].V["clients"].([]any); len(list) == 1 {
			m, _ := list[0].(map[string]any)
			sent, _ = fact.Fact{V: m}.Int("frames_sent")
		}
	}
	j.expect(sent == encoderFrames, ex, fmt.Sprintf("%s: %d frames sent", args, sent),
		fmt.Sprintf("%s: the server's summary says %d frames sent to its one client, want %d", args, sent, encoderFrames))

	name := encoderClient + " decodes the hardware-encoded stream"
	if cr.err != nil {
		j.failHost(name, fmt.Sprintf("%v (exit %d, log %s)", cr.err, cr.exitCode, cr.log))
		return
	}
	h, w := j.streamSize()
	frames, problems := receiverProblems(cr, sent, fmt.Sprintf("[[%d %d 3]]", h, w))
	if got := fmt.Sprint(cr.summary["codecs"]); got != "["+codec+"]" {
		problems = append(problems, fmt.Sprintf("codecs %s, want [%s]", got, codec))
	}
	if first, _ := cr.summary["first_keyframe"].(bool); !first {
		problems = append(problems, "its first frame was not a keyframe")
	}
	if len(problems) > 0 {
		j.failHost(name, strings.Join(problems, "; ")+" (log "+cr.log+")")
		return
	}
	j.pass(name, fmt.Sprintf("%d %s frames decoded to %dx%d, first a keyframe", frames, codec, w, h))
}

// argValue returns the value after flag in a space-separated argument list.
func argValue(args, flag string) string {
	f := strings.Fields(args)
	for i := 0; i+1 < len(f); i++ {
		if f[i] == flag {
			return f[i+1]
		}
	}
	return ""
}
