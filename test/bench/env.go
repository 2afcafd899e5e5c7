package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"runtime"
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

// loadAvg is the 1, 5 and 15 minute load averages.
var loadAvg = testkit.LoadAvg
