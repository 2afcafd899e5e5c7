//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/picam-project/picam/hw/v4l2"
)

// Video node numbers depend on module load order (and on the Pi, on the
// firmware), so nodes are found by the name the driver gives them in sysfs,
// falling back to what QUERYCAP says they can do.

// videoNodes lists /dev/videoN in numeric order with their sysfs names.
func videoNodes() []struct{ dev, name string } {
	paths, _ := filepath.Glob("/sys/class/video4linux/video*")
	num := func(p string) int { n, _ := strconv.Atoi(strings.TrimPrefix(filepath.Base(p), "video")); return n }
	sort.Slice(paths, func(i, j int) bool { return num(paths[i]) < num(paths[j]) })
	var out []struct{ dev, name string }
	for _, p := range paths {
		b, _ := os.ReadFile(filepath.Join(p, "name"))
		out = append(out, struct{ dev, name string }{"/dev/" + filepath.Base(p), strings.TrimSpace(string(b))})
	}
	return out
}

// findNode returns the first node whose sysfs name is one of names, else the
// first node for which match(QUERYCAP) holds.
func findNode(what string, names []string, match func(v4l2.Capability) bool) (string, error) {
	nodes := videoNodes()
	for _, want := range names {
		for _, n := range nodes {
			if n.name == want {
				return n.dev, nil
			}
		}
	}
	var seen []string
	for _, n := range nodes {
		seen = append(seen, fmt.Sprintf("%s (%s)", n.dev, n.name))
		d, err := v4l2.Open(n.dev)
		if err != nil {
			continue
		}
		c := d.Capability()
		d.Close()
		if match(c) {
			return n.dev, nil
		}
	}
	if len(nodes) == 0 {
		return "", fmt.Errorf("no %s: there are no /dev/video* nodes (driver module not loaded?)", what)
	}
	return "", fmt.Errorf("no %s among %s", what, strings.Join(seen, ", "))
}

// cameraNames are capture nodes the HIL setups provide: vivid in QEMU, the
// legacy camera stack and unicam on a Pi.
var cameraNames = []string{"vivid-000-vid-cap", "mmal service 16.1", "unicam-image"}

// encoderNames are stateful encoders: vicodec in QEMU, bcm2835-codec on a Pi.
var encoderNames = []string{"stateful-encoder", "bcm2835-codec-encode"}

func findCamera(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	return findNode("camera (video capture node)", cameraNames, func(c v4l2.Capability) bool {
		return c.IsVideoCapture() && !c.IsM2M()
	})
}

func findEncoder(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	return findNode("stateful encoder (M2M node)", encoderNames, func(c v4l2.Capability) bool {
		return c.IsM2M() && strings.Contains(strings.ToLower(c.Card), "enc")
	})
}

// runFind prints the camera's or the encoder's node, so the scenario can
// hand it to the packages' own hil tests.
func runFind(ctx context.Context, r *reporter, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: probe find camera|encoder")
	}
	var path string
	var err error
	switch args[0] {
	case "camera":
		path, err = findCamera("")
	case "encoder":
		path, err = findEncoder("")
	default:
		return fmt.Errorf("probe find: unknown device %q (camera or encoder)", args[0])
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(r.w, path)
	return err
}
