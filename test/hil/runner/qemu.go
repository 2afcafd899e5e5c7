package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/picam-project/picam/internal/testkit"
	"github.com/picam-project/picam/test/hil/internal/fact"
)

// guestModules go into the initramfs (with their dependencies).
var guestModules = []string{"vivid", "vicodec", "vim2m", "configfs", "gpio-sim", "virtio_pci", "virtio_net"}

// guestHTTPPort is where picam-server serves /api/clients inside the guest;
// QEMU forwards a loopback port of the host to it.
const guestHTTPPort = 8080

// arm64 is the QEMU guest's platform, the Pi 3/4/5's with a 64-bit OS.
var arm64 = platform{goos: "linux", goarch: "arm64"}

// runQEMU builds the guest, starts the host clients, boots the guest under
// TCG with a hard time limit and records what it reports.
func runQEMU(ctx context.Context, c config, log *slog.Logger) (*observations, error) {
	start := time.Now()
	if c.cache == "" {
		return nil, fmt.Errorf("no -cache: run through make hil, which prepares HIL_CACHE first")
	}
	envFile := filepath.Join(c.cache, "current.env")
	env, err := readEnv(envFile)
	if err != nil {
		return nil, fmt.Errorf("%w (run test/hil/prepare.sh %s first)", err, c.cache)
	}
	if _, err := exec.LookPath("qemu-system-aarch64"); err != nil {
		return nil, fmt.Errorf("qemu-system-aarch64 not found: run test/hil/deps.sh (apt-get install qemu-system-arm)")
	}

	// Binaries and the initramfs. The payload is laid out as the guest sees it.
	// A private work directory: two runs may share the cache.
	work, err := os.MkdirTemp(c.cache, "run-")
	if err != nil {
		return nil, fmt.Errorf("work directory in %s: %w", c.cache, err)
	}
	defer os.RemoveAll(work)
	payload := filepath.Join(work, "payload")
	for _, d := range []string{"usr/bin", "hil", "usr/lib/picam-hil"} {
		if err := os.MkdirAll(filepath.Join(payload, d), 0o755); err != nil {
			return nil, err
		}
	}
	clientBin := filepath.Join(work, "picam-client")
	if err := buildBinaries(ctx, c.repo, arm64, filepath.Join(payload, "usr/bin/picam-server"), filepath.Join(payload, "usr/bin/probe"), clientBin); err != nil {
		return nil, err
	}
	obs := &observations{consoleLog: filepath.Join(c.artifacts, "serial.log"), target: targetResult{kind: "qemu"}}
	if c.goTests {
		if obs.hilTests, err = buildHILTests(ctx, c, arm64, filepath.Join(payload, "usr/lib/picam-hil"), obs); err != nil {
			return nil, err
		}
	}
	guest := filepath.Join(c.repo, "test/hil/guest")
	for src, dst := range map[string]string{"init.sh": "init", "lib.sh": "hil/lib.sh", "scenario.sh": "hil/scenario.sh"} {
		if err := copyFile(filepath.Join(guest, src), filepath.Join(payload, dst), 0o755); err != nil {
			return nil, err
		}
	}

	ports, err := testkit.FreePorts("127.0.0.1", 4)
	if err != nil {
		return nil, err
	}
	clientPorts, httpPort := ports[:3], ports[3]
	led := c.led
	if led == "" {
		led = "GPIO17"
	}
	token, err := randomToken()
	if err != nil {
		return nil, err
	}
	settings := []string{
		"HIL_HOST=10.0.2.2", // the host's loopback, as QEMU user networking presents it
		"HIL_PORTS=" + joinInts(clientPorts[:2]),
		"HIL_ENC_PORT=" + strconv.Itoa(clientPorts[2]),
		"HIL_ENC_CODEC=fwht", // vicodec: the multi-planar stateful M2M path of bcm2835-codec
		"HIL_ENC_FRAMES=" + strconv.Itoa(encoderFrames),
		"HIL_FRAMES=" + strconv.Itoa(c.frames),
		"HIL_RES=" + c.resolution,
		"HIL_SERVER_ARGS=" + c.serverArgs,
		"HIL_SERVER_CODEC=--codec " + c.codec,
		"HIL_SERVER_LED=GPIO17",
		"HIL_SERVER_BUTTON=GPIO27",
		// QEMU's forward arrives on the guest's eth0, not its loopback,
		// so the server binds all interfaces and therefore needs a token.
		"HIL_HTTP=0.0.0.0:" + strconv.Itoa(guestHTTPPort),
		"HIL_HTTP_TOKEN=" + token,
		"HIL_LED=" + led,
		"HIL_BUTTON=GPIO27",
		"HIL_BREAK=" + strings.Join(c.breaks, " "),
		"HIL_TESTS=/usr/lib/picam-hil",
		"HIL_WATCH_LED=" + c.watchLED,
	}
	if err := writeEnv(filepath.Join(payload, "hil.env"), settings); err != nil {
		return nil, err
	}
	initrd := filepath.Join(work, "initrd.gz")
	mk := exec.CommandContext(ctx, filepath.Join(c.repo, "test/hil/mkinitramfs.sh"),
		append([]string{envFile, initrd, payload}, guestModules...)...)
	if b, err := mk.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the initramfs: %w\n%s", err, b)
	}
	built := time.Since(start)

	// Clients first: they bind, the guest's picam-server dials them.
	kids, err := startClients(ctx, c, "127.0.0.1", clientBin, clientPorts)
	defer func() {
		for _, k := range kids {
			k.wait(0)
		}
	}()
	if err != nil {
		return nil, err
	}

	appendArgs := "console=ttyAMA0 quiet loglevel=3 panic=-1"
	if c.broken("boot") {
		appendArgs += " rdinit=/hil-broken-no-such-init"
	}
	argv := []string{"qemu-system-aarch64",
		"-M", "virt", "-cpu", "cortex-a53", "-smp", "2", "-m", "512", "-accel", "tcg",
		"-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot",
		"-kernel", env["KERNEL"], "-initrd", initrd, "-append", appendArgs,
		// User networking: the guest dials the host's loopback listeners at
		// 10.0.2.2; the only way in is one forward bound to 127.0.0.1.
		"-nic", fmt.Sprintf("user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:%d-:%d", httpPort, guestHTTPPort),
	}
	if err := runGuest(ctx, c, obs, argv, fmt.Sprintf("http://127.0.0.1:%d/api/clients", httpPort), token, log); err != nil {
		return obs, err
	}
	obs.clients = finishClients(kids, clientPorts, len(obs.all("server.start")) > 0)
	kids = nil
	obs.wall = time.Since(start)
	fmt.Printf("hil: built in %.1fs, whole run %.1fs\n", built.Seconds(), obs.wall.Seconds())
	return obs, nil
}

// runGuest runs QEMU until the guest powers off, the limit passes, or the
// guest reported its end but did not exit.
func runGuest(ctx context.Context, c config, obs *observations, argv []string, httpURL, token string, log *slog.Logger) error {
	logf, err := os.Create(obs.consoleLog)
	if err != nil {
		return err
	}
	defer logf.Close()
	bootCtx, cancel := context.WithTimeout(ctx, c.bootLimit)
	defer cancel()
	cmd := exec.CommandContext(bootCtx, argv[0], argv[1:]...)
	cmd.Stdin = nil
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = cmd.Stdout
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	fmt.Printf("hil: booting %s (limit %v), serial log %s\n", filepath.Base(argv[0]), c.bootLimit, obs.consoleLog)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting QEMU: %w", err)
	}

	// Helpers owned by this function: the HTTP poller starts when the
	// server does; a watchdog stops a guest that said it was done but did
	// not power off.
	var wg sync.WaitGroup
	helpers, stopHelpers := context.WithCancel(bootCtx)
	defer func() { stopHelpers(); wg.Wait() }()
	var hung bool
	onFact := func(f fact.Fact) {
		obs.add(f)
		switch f.Step {
		case "server.start":
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := pollHTTP(helpers, httpURL, token, 2)
				obs.mu.Lock()
				obs.http = r
				obs.mu.Unlock()
			}()
		case "guest.end":
			wg.Add(1)
			go func() {
				defer wg.Done()
				select {
				case <-helpers.Done():
				case <-time.After(15 * time.Second):
					hung = true
					cancel()
				}
			}()
		}
	}
	readErr := readConsole(bufio.NewReader(out), logf, onFact)
	_ = cmd.Wait() // the outcome is judged from the exit code and the deadline below
	stopHelpers()
	wg.Wait()
	obs.target.timedOut = bootCtx.Err() == context.DeadlineExceeded && !hung
	obs.target.hung = hung
	if cmd.ProcessState != nil {
		obs.target.exitCode = cmd.ProcessState.ExitCode()
	}
	if readErr != nil {
		log.Warn("reading the guest console", "err", readErr)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}
	return nil
}

// randomToken makes the bearer token picam-server's HTTP API requires.
func randomToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("HTTP token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// readEnv reads KEY=VALUE lines (prepare.sh's current.env).
func readEnv(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	env := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(l), "="); ok {
			env[k] = v
		}
	}
	for _, k := range []string{"KVER", "KERNEL", "MODROOT", "BUSYBOX"} {
		if env[k] == "" {
			return nil, fmt.Errorf("%s has no %s", path, k)
		}
	}
	return env, nil
}

// writeEnv writes settings as a shell file of single-quoted assignments.
func writeEnv(path string, settings []string) error {
	var sb strings.Builder
	for _, s := range settings {
		k, v, _ := strings.Cut(s, "=")
		sb.WriteString(k + "=" + shellQuote(v) + "\n")
	}
	return os.WriteFile(path, []byte(sb.String()), 0o644)
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func copyFile(src, dst string, mode os.FileMode) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, mode)
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}
