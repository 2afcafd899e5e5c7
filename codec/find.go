package codec

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/hw/v4l2"
)

// ErrNoM2MEncoder means no V4L2 memory-to-memory encoder was found.
var ErrNoM2MEncoder = errors.New("no V4L2 hardware encoder found")

// M2MDevice describes a V4L2 memory-to-memory encoder found on this machine.
type M2MDevice struct {
	Path   string
	Driver string // "bcm2835-codec", "vicodec", …
	Card   string // "bcm2835-codec-encode", "vicodec", …
	MPlane bool
	// Codecs are the codecs it can produce; Formats the bitstream formats
	// it offers (MJPG on /dev/video11, JPEG on /dev/video31).
	Codecs  []av.Codec
	Formats []v4l2.PixelFormat
}

// FindM2MEncoders lists the memory-to-memory encoders among /dev/video*,
// in node order: devices whose CAPTURE (bitstream) queue offers H.264, JPEG
// or FWHT. Decoders, scalers and cameras are left out, and nodes that cannot
// be opened (permissions, busy) are skipped. On a Raspberry Pi 1-4 with the
// codec driver loaded it finds /dev/video11 (H.264 and MJPEG) and
// /dev/video31 (JPEG); elsewhere usually nothing.
func FindM2MEncoders() []M2MDevice {
	return findM2MEncoders(videoNodes(), func(p string) (m2mDevice, error) { return v4l2.Open(p) })
}

// FindM2MEncoder returns the first encoder that produces c, or an error
// that lists what was found.
// For JPEG a device offering JPEG stills (bcm2835-codec's /dev/video31,
// which has a quality control) is preferred to one offering MJPEG
// (/dev/video11, where quality follows the bitrate).
func FindM2MEncoder(c av.Codec) (M2MDevice, error) {
	return pickM2MEncoder(FindM2MEncoders(), c)
}

func pickM2MEncoder(all []M2MDevice, c av.Codec) (M2MDevice, error) {
	if pref := codedFourCCs[c]; len(pref) > 0 {
		for _, d := range all {
			for _, pf := range d.Formats {
				if pf == pref[0] {
					return d, nil
				}
			}
		}
	}
	for _, d := range all {
		for _, dc := range d.Codecs {
			if dc == c {
				return d, nil
			}
		}
	}
	if len(all) == 0 {
		return M2MDevice{}, fmt.Errorf("%w (on a Raspberry Pi 1-4 load bcm2835-codec; the Pi 5 has none)", ErrNoM2MEncoder)
	}
	var seen []string
	for _, d := range all {
		seen = append(seen, fmt.Sprintf("%s (%s: %v)", d.Path, d.Card, d.Codecs))
	}
	return M2MDevice{}, fmt.Errorf("no V4L2 hardware encoder produces %s; found %s", c, strings.Join(seen, ", "))
}

// videoNodes lists /dev/videoN in numeric order.
func videoNodes() []string {
	paths, _ := filepath.Glob("/dev/video*")
	num := func(p string) int {
		n, err := strconv.Atoi(strings.TrimPrefix(p, "/dev/video"))
		if err != nil {
			return 1 << 30
		}
		return n
	}
	sort.Slice(paths, func(i, j int) bool { return num(paths[i]) < num(paths[j]) })
	return paths
}

// findM2MEncoders probes the given nodes through open.
func findM2MEncoders(paths []string, open func(string) (m2mDevice, error)) []M2MDevice {
	var out []M2MDevice
	for _, p := range paths {
		d, err := open(p)
		if err != nil {
			continue
		}
		c := d.Capability()
		if c.IsM2M() && c.Streaming() {
			capT := v4l2.BufTypeVideoCapture
			if c.IsMPlane() {
				capT = v4l2.BufTypeVideoCaptureMPlane
			}
			fmts, err := d.EnumFormats(capT)
			if err == nil {
				m := M2MDevice{Path: p, Driver: c.Driver, Card: c.Card, MPlane: c.IsMPlane()}
				for _, codec := range []av.Codec{av.H264, av.JPEG, av.FWHT} {
					found := false
					for _, pf := range codedFourCCs[codec] {
						if hasFourCC(fmts, pf) {
							m.Formats = append(m.Formats, pf)
							found = true
						}
					}
					if found {
						m.Codecs = append(m.Codecs, codec)
					}
				}
				if len(m.Codecs) > 0 {
					out = append(out, m)
				}
			}
		}
		d.Close()
	}
	return out
}
