package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/picam-project/picam/internal/testkit"
)

// machine describes where the benchmark ran, for the report header.
type machine struct {
	Date      time.Time
	Arch      string // uname -m
	CPU       string
	Cores     int
	GoVersion string
	LoadStart string
}

func describeMachine() machine {
	return machine{
		Date:      time.Now(),
		Arch:      unameM(),
		CPU:       cpuModel(),
		Cores:     runtime.NumCPU(),
		GoVersion: goVersion(),
		LoadStart: loadAvg(),
	}
}

func unameM() string {
	out, err := exec.Command("uname", "-m").Output()
	if err != nil {
		return runtime.GOARCH + " (uname failed)"
	}
	return strings.TrimSpace(string(out))
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && (strings.TrimSpace(k) == "model name" || strings.TrimSpace(k) == "Model") {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// goVersion is the toolchain's version (the binaries under test were built with it), falling
// back to the one this program was built with.
func goVersion() string {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err == nil && len(bytes.TrimSpace(out)) > 0 {
		return strings.TrimSpace(string(out))
	}
	return runtime.Version()
}

// loadSpans is the range of the 1-minute load average seen after each run of a section
// (throughput, secure, latency), printed under its table: on a shared machine a table's
// figures mean little without the load they were measured at.
var loadSpans = map[string]*[2]float64{}

// noteLoad records the current 1-minute load average for section.
func noteLoad(section string) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return
	}
	if s, ok := loadSpans[section]; ok {
		s[0], s[1] = min(s[0], v), max(s[1], v)
	} else {
		loadSpans[section] = &[2]float64{v, v}
	}
}

// loadLine describes the load seen during section's runs.
func loadLine(section string) string {
	s, ok := loadSpans[section]
	if !ok {
		return "load avg    not recorded\n"
	}
	return fmt.Sprintf("load avg    %.2f–%.2f (1 min) after the runs of this table\n", s[0], s[1])
}

// loadAvg is the 1, 5 and 15 minute load averages.
var loadAvg = testkit.LoadAvg
