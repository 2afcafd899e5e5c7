package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// codecCase is one software encoder benchmark of package codec, as make bench reports it.
type codecCase struct {
	bench   string  // Go benchmark name, without "Benchmark"
	label   string  // what the report calls it
	size    string  // frame size
	content string  // "pattern" (the test pattern: flat colour, easy) or "texture" (camera-like)
	target  float64 // fps per core the issue asks for; 0: none
	base    string  // the benchmark this one is compared with ("" for the baselines)
}

// codecCases are the encoders at both sizes on both contents: the test pattern (what testsrc
// streams) and a camera-like texture (smooth shapes plus sensor noise, so the entropy coder has
// real work). image/jpeg at the same size and content is the baseline: the ratios say how much
// faster picam's encoders are, measured in the same run on the same machine. OpenH264 (a video
// encoder, P-frames) runs on a panned texture and is compared with image/jpeg on the texture.
var codecCases = func() []codecCase {
	var out []codecCase
	for _, size := range []string{"640x480", "1280x720"} {
		for _, content := range []string{"pattern", "texture"} {
			suffix := map[string]string{"pattern": "", "texture": "Texture"}[content]
			base := "JPEGStdlib" + size + suffix
			target := map[bool]float64{true: 1}[size == "640x480"]
			out = append(out,
				codecCase{bench: base, label: "image/jpeg (baseline)", size: size, content: content},
				codecCase{bench: "JPEG" + size + suffix, label: "pure-Go JPEG", size: size, content: content, target: 150 * target, base: base},
				codecCase{bench: "TurboJPEG" + size + suffix, label: "libjpeg-turbo", size: size, content: content, target: 1000 * target, base: base})
		}
		out = append(out, codecCase{bench: "OpenH264" + size, label: "OpenH264, 1 thread", size: size, content: "panned", base: "JPEGStdlib" + size + "Texture"})
	}
	return out
}()

// codecResult is what one benchmark line reported.
type codecResult struct {
	fpsCPU, msFrame, bytes float64
}

// runCodecs runs the codec benchmarks (`go test -bench` in ./codec, with the turbojpeg and
// openh264 tags when cgo and the libraries are there) and prints frames per CPU-second, the
// latency of one Encode and the packet size, with each encoder's ratio to image/jpeg.
func runCodecs(args []string, stdout, stderr io.Writer) int {
	benchtime := "2s"
	if len(args) > 0 && args[0] == "--quick" {
		benchtime = "300ms"
	}
	var names []string
	for _, c := range codecCases {
		names = append(names, c.bench)
	}
	pattern := "^Benchmark(" + strings.Join(names, "|") + ")$"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	out, tagged, err := goBench(ctx, "./codec/", pattern, benchtime, "turbojpeg openh264")
	if err != nil {
		fmt.Fprintf(stderr, "bench codecs: with -tags turbojpeg,openh264: %v\n", err)
		fmt.Fprintln(stderr, "bench codecs: falling back to the pure-Go encoders (install libturbojpeg0-dev, libopenh264-dev and gcc: make deps)")
		if out, tagged, err = goBench(ctx, "./codec/", pattern, benchtime, ""); err != nil {
			fmt.Fprintf(stderr, "bench codecs: %v\n%s", err, out)
			return 1
		}
	}
	res := parseBenchOutput(out)
	fmt.Fprintf(stdout, "\nSoftware encoders (go test -bench ./codec, %s each, one goroutine; fps/core = frames per CPU-second)\n", benchtime)
	fmt.Fprintf(stdout, "%-22s %-9s %-8s %9s %9s %9s %14s  %s\n", "encoder", "size", "content", "fps/core", "ms/frame", "KB/frame", "vs image/jpeg", "target")
	for _, c := range codecCases {
		r, ok := res[c.bench]
		if !ok {
			why := "not built (needs cgo and the library: make deps)"
			if tagged {
				why = "no result (see go test's output above)"
			}
			fmt.Fprintf(stdout, "%-22s %-9s %-8s %s\n", c.label, c.size, c.content, why)
			continue
		}
		ratio := "-"
		if b, ok := res[c.base]; ok && b.fpsCPU > 0 {
			ratio = fmt.Sprintf("%.2fx", r.fpsCPU/b.fpsCPU)
		}
		verdict := ""
		if c.target > 0 {
			verdict = fmt.Sprintf(">= %.0f fps/core %s", c.target, map[bool]string{true: "PASS", false: "MISS"}[r.fpsCPU >= c.target])
		}
		fmt.Fprintf(stdout, "%-22s %-9s %-8s %9.0f %9.2f %9.1f %14s  %s\n", c.label, c.size, c.content, r.fpsCPU, r.msFrame, r.bytes/1000, ratio, verdict)
	}
	if rc := runConversion(ctx, len(args) > 0 && args[0] == "--quick", stdout, stderr); rc != 0 {
		return rc
	}
	return runM2MInFlight(ctx, stdout, stderr)
}

// convTarget is issue 22's goal for the YUV → BGR24 conversion: this many times the old
// code's (the oracle's) frames per second, measured in the same run.
const convTarget = 3.0

// runConversion reports image's BenchmarkYUVToBGR: the YUV → BGR24 conversion old (the
// oracle kept in image's tests, one goroutine), new on one goroutine and new as a
// picimage.Converter runs it (split across the cores), all three converting the same frame in
// turn at every iteration, with the ratios against the old code's median time per frame.
func runConversion(ctx context.Context, quick bool, stdout, stderr io.Writer) int {
	iterations := "400x"
	if quick {
		iterations = "60x"
	}
	out, _, err := goBench(ctx, "./image/", "^BenchmarkYUVToBGR$", iterations, "")
	if err != nil {
		fmt.Fprintf(stderr, "bench codecs: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "\nYUV → BGR24 conversion (go test -bench YUVToBGR ./image, %s; median µs per frame; old = the code before issue 22, one goroutine)\n", iterations)
	fmt.Fprintf(stdout, "%-5s %-9s %8s %10s %8s %8s %10s %10s  %s\n", "fmt", "size", "old", "new 1 core", "new", "new÷old", "1 core÷old", "best÷best", "target")
	rows := 0
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "BenchmarkYUVToBGR/") {
			continue
		}
		name := strings.TrimPrefix(f[0], "BenchmarkYUVToBGR/")
		if i := strings.LastIndex(name, "-"); i > 0 {
			name = name[:i]
		}
		format, size, _ := strings.Cut(name, "/")
		m := map[string]float64{}
		for i := 2; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				m[f[i+1]] = v
			}
		}
		verdict := map[bool]string{true: "PASS", false: "MISS"}[m["x-old"] >= convTarget]
		fmt.Fprintf(stdout, "%-5s %-9s %8.0f %10.0f %8.0f %7.2fx %9.2fx %9.2fx  >= %.0fx %s\n", format, size,
			m["old-µs"], m["new1core-µs"], m["new-µs"], m["x-old"], m["x-old-1core"], m["x-old-best"], convTarget, verdict)
		rows++
	}
	if rows == 0 {
		fmt.Fprintf(stderr, "bench codecs: no BenchmarkYUVToBGR results in go test's output:\n%s", lastLines(out, 15))
		return 1
	}
	fmt.Fprintf(stdout, "new = a Converter (%d cores here); best÷best = the fastest frames' ratio (the run's quietest moment); load avg %s at the end\n", runtime.NumCPU(), loadAvg())
	return 0
}

// runM2MInFlight reports codec's BenchmarkM2MInFlight: the hardware encoder's packet rate
// against a fake firmware with 20 ms of latency and frames due every 5 ms, with one frame in
// flight (the baseline: one round trip per frame) and with codec.DefaultM2MFrames, in the same
// run.
func runM2MInFlight(ctx context.Context, stdout, stderr io.Writer) int {
	out, _, err := goBench(ctx, "./codec/", "^BenchmarkM2MInFlight$", "3x", "")
	if err != nil {
		fmt.Fprintf(stderr, "bench codecs: %v\n", err)
		return 1
	}
	m := map[string]float64{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "BenchmarkM2MInFlight") {
			continue
		}
		for i := 2; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				m[f[i+1]] = v
			}
		}
	}
	one, many, speedup := m["pkt/s(1-in-flight)"], m["pkt/s(4-in-flight)"], m["speedup"]
	verdict := map[bool]string{true: "PASS", false: "MISS"}[speedup >= 2]
	fmt.Fprintf(stdout, "\nHardware encoder, frames in flight (fake firmware: 20 ms per frame, frames due every 5 ms)\n")
	fmt.Fprintf(stdout, "1 in flight (baseline) %.1f packets/s, 4 in flight %.1f packets/s: %.2fx (>= 2x %s)\n", one, many, speedup, verdict)
	return 0
}

// goBench runs the benchmarks of package pkg ("./codec/") with the given build tags ("" for
// none) and returns go test's output and whether the tags were used.
func goBench(ctx context.Context, pkg, pattern, benchtime, tags string) (string, bool, error) {
	args := []string{"test", "-run", "^$", "-bench", pattern, "-benchtime", benchtime, "-count", "1"}
	env := os.Environ()
	if tags != "" {
		args = append(args, "-tags", tags)
		env = append(env, "CGO_ENABLED=1")
	}
	args = append(args, pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = env
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	if err != nil {
		return buf.String(), tags != "", fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, lastLines(buf.String(), 15))
	}
	return buf.String(), tags != "", nil
}

// parseBenchOutput reads go test -bench lines: name-N, iterations, then value/unit pairs.
func parseBenchOutput(out string) map[string]codecResult {
	res := map[string]codecResult{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndex(name, "-"); i > 0 {
			name = name[:i]
		}
		var r codecResult
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "fps/cpu":
				r.fpsCPU = v
			case "ms/frame":
				r.msFrame = v
			case "B/frame":
				r.bytes = v
			}
		}
		res[name] = r
	}
	return res
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n") + "\n"
}
