package camera

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/picam-project/picam/hw/v4l2"
)

// ListDevices prints every /dev/video* node for a person: what it is,
// whether picam can capture from it (and if not, why not), and for cameras
// every format with its frame sizes and rates, as v4l2-ctl --list-formats-ext
// would. It ends with whether rpicam-vid is installed. It is what
// picam-server --list-devices prints.
func ListDevices(w io.Writer) error {
	return defaultSystem().listDevices(w)
}

// ListControls prints the controls of the V4L2 device at path with their
// current values, ranges and menu entries, as v4l2-ctl --list-ctrls-menus
// would, with the names --option and v4l2-ctl take.
func ListControls(w io.Writer, path string) error {
	return defaultSystem().listControls(w, path)
}

// WriteControls prints controls (from Camera.Controls) the way
// ListControls does, for a camera that is already open.
func WriteControls(w io.Writer, ctrls []Control) error {
	bw := bufio.NewWriter(w)
	if len(ctrls) == 0 {
		fmt.Fprintln(bw, "  (no controls)")
		return bw.Flush()
	}
	nameW, typeW, rangeW := 0, 0, 0
	for _, c := range ctrls {
		nameW = max(nameW, len(c.Name))
		typeW = max(typeW, len(c.Type))
		rangeW = max(rangeW, len(controlRange(c)))
	}
	for _, c := range ctrls {
		line := fmt.Sprintf("  %-*s  %-*s  %-*s  %s", nameW, c.Name, typeW, c.Type, rangeW, controlRange(c), controlValue(c))
		fmt.Fprintln(bw, strings.TrimRight(line, " "))
		for _, m := range c.Menu {
			mark := " "
			if m.Index == c.Value {
				mark = "*"
			}
			fmt.Fprintf(bw, "  %*s  %s %d: %s\n", nameW, "", mark, m.Index, m.Name)
		}
	}
	return bw.Flush()
}

// controlRange describes the valid values of a control.
func controlRange(c Control) string {
	switch c.Type {
	case "bool":
		return fmt.Sprintf("0/1, default %d", c.Default)
	case "button":
		return "button"
	}
	s := fmt.Sprintf("%d..%d", c.Min, c.Max)
	if c.Step > 1 {
		s += fmt.Sprintf(" step %d", c.Step)
	}
	return s + fmt.Sprintf(", default %d", c.Default)
}

// controlValue describes the current value and state of a control.
func controlValue(c Control) string {
	if c.NoValue {
		return ""
	}
	s := fmt.Sprintf("= %d", c.Value)
	for _, m := range c.Menu {
		if m.Index == c.Value {
			s += " (" + m.Name + ")"
		}
	}
	var flags []string
	if c.ReadOnly {
		flags = append(flags, "read-only")
	}
	if c.Inactive {
		flags = append(flags, "inactive")
	}
	if len(flags) > 0 {
		s += "  [" + strings.Join(flags, ", ") + "]"
	}
	return s
}

func (sys system) listControls(w io.Writer, path string) error {
	dev, err := sys.openDevice(path)
	if err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	defer dev.Close()
	c := dev.Capability()
	fmt.Fprintf(w, "%s: %s (driver %s, bus %s)\n", path, c.Card, c.Driver, c.BusInfo)
	ctrls, err := deviceControls(dev)
	if err != nil {
		return err
	}
	return WriteControls(w, ctrls)
}

func (sys system) listDevices(w io.Writer) error {
	bw := bufio.NewWriter(w)
	nodes, err := sys.scan()
	if err != nil {
		return err
	}
	if len(nodes) == 0 {
		fmt.Fprintln(bw, "no /dev/video* devices (no camera driver loaded; on a Pi with the legacy camera: start_x=1 and modprobe bcm2835-v4l2)")
	}
	for _, n := range nodes {
		if n.caps.Driver == "" {
			fmt.Fprintf(bw, "%s: %s\n", n.path, n.skip)
			continue
		}
		fmt.Fprintf(bw, "%s: %s (driver %s, bus %s)\n", n.path, n.caps.Card, n.caps.Driver, n.caps.BusInfo)
		if !n.camera {
			fmt.Fprintf(bw, "    not used: %s\n", n.skip)
			continue
		}
		fmt.Fprintf(bw, "    camera: --source v4l2:%s\n", n.path)
		if err := sys.writeFormats(bw, n); err != nil {
			fmt.Fprintf(bw, "    cannot list formats: %v\n", err)
		}
	}
	if p, err := sys.rpicamPath(); err == nil {
		fmt.Fprintf(bw, "rpicam-vid: %s (for Camera Module 3 and the Pi 5: --source rpicam)\n", p)
	} else {
		fmt.Fprintln(bw, "rpicam-vid: not installed (needed only for cameras that only libcamera drives: Camera Module 3, the Pi 5)")
	}
	return bw.Flush()
}

// writeFormats prints a camera's formats, sizes and rates.
func (sys system) writeFormats(w io.Writer, n node) error {
	dev, err := sys.openDevice(n.path)
	if err != nil {
		return err
	}
	defer dev.Close()
	for _, f := range n.formats {
		use := "not used by picam"
		if pf, ok := fourccFormats[f.PixelFormat]; ok {
			use = "picam format " + string(pf)
		}
		fmt.Fprintf(w, "    %s  %s  (%s)\n", f.PixelFormat, f.Description, use)
		sizes, err := dev.EnumFrameSizes(f.PixelFormat)
		if err != nil {
			if !errors.Is(err, v4l2.ErrUnsupported) {
				fmt.Fprintf(w, "        sizes not listed: %v\n", err)
			}
			continue
		}
		for _, s := range sizes {
			if s.Type != v4l2.FrameSizeDiscrete {
				fmt.Fprintf(w, "        %dx%d to %dx%d, step %dx%d\n", s.MinWidth, s.MinHeight, s.MaxWidth, s.MaxHeight, s.StepWidth, s.StepHeight)
				continue
			}
			fmt.Fprintf(w, "        %dx%d%s\n", s.MinWidth, s.MinHeight, rates(dev, f.PixelFormat, s.MinWidth, s.MinHeight))
		}
	}
	return nil
}

// rates lists the frame rates of a size: ": 30, 15 fps" or a range.
func rates(dev device, pf v4l2.PixelFormat, width, height uint32) string {
	ivals, err := dev.EnumFrameIntervals(pf, width, height)
	if err != nil || len(ivals) == 0 {
		return ""
	}
	var parts []string
	for _, iv := range ivals {
		if iv.Type == v4l2.FrameSizeDiscrete {
			parts = append(parts, formatFloat(iv.Min.FPS(), 2))
			continue
		}
		parts = append(parts, formatFloat(iv.Max.FPS(), 2)+" to "+formatFloat(iv.Min.FPS(), 2))
	}
	return ": " + strings.Join(parts, ", ") + " fps"
}
