package camera

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/picam-project/picam/hw/v4l2"
)

// libcameraDrivers are V4L2 drivers of the libcamera stack. Their capture
// nodes deliver raw Bayer data (unicam, rp1-cfe) or belong to the ISP, and
// auto exposure and white balance live in libcamera: they are cameras only
// through rpicam-vid.
var libcameraDrivers = map[string]bool{
	"unicam": true, "bcm2835-unicam": true, "rp1-cfe": true, "bcm2835-isp": true, "pispbe": true,
}

// node is one /dev/video* node as a scan saw it.
type node struct {
	path string
	caps v4l2.Capability
	// formats are the capture formats (camera nodes only).
	formats []v4l2.FormatDesc
	// camera is true for a node picam can capture from; otherwise skip
	// says why not.
	camera bool
	skip   string
	// libcamera marks a node of the libcamera stack (a camera for rpicam).
	libcamera bool
}

// videoNodes lists /dev/video* in numeric order (video2 before video10).
func (sys system) videoNodes() ([]string, error) {
	paths, err := sys.glob("/dev/video*")
	if err != nil {
		return nil, err
	}
	num := func(p string) int {
		n, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(p), "video"))
		if err != nil {
			return 1 << 30
		}
		return n
	}
	sort.SliceStable(paths, func(i, j int) bool { return num(paths[i]) < num(paths[j]) })
	return paths, nil
}

// scan opens every video node, reads its capabilities and decides whether
// it is a camera picam can use: a streaming capture node that is not a
// memory-to-memory codec (bcm2835-codec's /dev/video10-12), not a metadata
// node (UVC cameras have one next to each video node), not part of the
// libcamera stack, and offering a format picam takes.
func (sys system) scan() ([]node, error) {
	paths, err := sys.videoNodes()
	if err != nil {
		return nil, fmt.Errorf("listing /dev/video*: %w", err)
	}
	nodes := make([]node, 0, len(paths))
	for _, p := range paths {
		nodes = append(nodes, sys.probe(p))
	}
	return nodes, nil
}

func (sys system) probe(path string) node {
	n := node{path: path}
	dev, err := sys.openDevice(path)
	if err != nil {
		n.skip = "cannot open: " + err.Error()
		return n
	}
	defer dev.Close()
	n.caps = dev.Capability()
	switch {
	case n.caps.IsM2M():
		n.skip = "memory-to-memory device (codec or converter)"
	case !n.caps.IsVideoCapture():
		n.skip = "no video capture (metadata or output node)"
	case !n.caps.Streaming():
		n.skip = "no streaming I/O"
	case libcameraDrivers[n.caps.Driver]:
		n.skip = "raw sensor or ISP node of the libcamera stack (use --source rpicam)"
		n.libcamera = true
	}
	if n.skip != "" {
		return n
	}
	bt, err := n.caps.CaptureType()
	if err == nil {
		n.formats, err = dev.EnumFormats(bt)
	}
	if err != nil {
		n.skip = "cannot list formats: " + err.Error()
		return n
	}
	if _, err := chooseFourCC(n.formats, ""); err != nil {
		n.skip = err.Error()
		return n
	}
	n.camera = true
	return n
}

// openAuto opens the first camera found; then a libcamera camera through
// rpicam-vid when it is installed; else the test pattern.
func (sys system) openAuto(ctx context.Context, opts Options, log *slog.Logger) (Camera, error) {
	log = orDiscard(log)
	nodes, err := sys.scan()
	if err != nil {
		log.Warn("cannot look for cameras", "err", err)
	}
	libcamera := false
	var tried []string
	for _, n := range nodes {
		libcamera = libcamera || n.libcamera
		if !n.camera {
			log.Debug("not a camera picam can use", "device", n.path, "driver", n.caps.Driver, "card", n.caps.Card, "why", n.skip)
			tried = append(tried, n.path+": "+n.skip)
			continue
		}
		c, err := sys.openV4L2(ctx, n.path, opts, log)
		if err == nil {
			log.Info("camera found", "device", n.path, "driver", n.caps.Driver, "card", n.caps.Card)
			return c, nil
		}
		if errors.Is(err, ErrInvalidOption) || opts.Strict {
			return nil, err
		}
		log.Warn("camera found but could not be opened; looking further", "device", n.path, "err", err)
		tried = append(tried, n.path+": "+err.Error())
	}
	if libcamera {
		if _, err := sys.rpicamPath(); err == nil {
			log.Info("found a libcamera camera; capturing through rpicam-vid")
			return sys.openRpicam(ctx, opts, log)
		}
		log.Warn("found a camera that only libcamera drives, but rpicam-vid is not installed", "fix", "install rpicam-apps")
	}
	why := "no /dev/video* nodes"
	if len(tried) > 0 {
		why = strings.Join(tried, "; ")
	}
	log.Info("no camera found; using the test pattern (choose one with --source)", "why", why)
	return openTestsrc(opts, "", log)
}
