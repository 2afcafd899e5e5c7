package main

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/picam-project/picam/internal/testkit"
)

// runSSH runs the same scenario on a real Pi: the binaries are copied with
// scp, the scenario runs over ssh against the Pi's own camera, encoder and
// LEDs, and picam-server streams to the clients on this machine, which bind
// -host-addr (the Pi dials it). Key-based login is required (BatchMode):
// a password prompt would hang a CI job.
func runSSH(ctx context.Context, c config, log *slog.Logger) (*observations, error) {
	start := time.Now()
	u, err := url.Parse(c.target)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("HIL_TARGET %q: want ssh://user@host or ssh://user@host:port", c.target)
	}
	if c.hostAddr == "" {
		return nil, fmt.Errorf("HIL_TARGET=%s needs HIL_HOST_ADDR: this machine's LAN address as the Pi reaches it (the clients bind it and the Pi dials it)", c.target)
	}
	dest := u.Hostname()
	if u.User != nil {
		dest = u.User.Username() + "@" + dest
	}
	sshOpts := []string{"-o", "BatchMode=yes", "-o", "ConnectTimeout=10"}
	scpOpts := append([]string{}, sshOpts...)
	if p := u.Port(); p != "" {
		sshOpts = append(sshOpts, "-p", p)
		scpOpts = append(scpOpts, "-P", p)
	}
	remote := func(cmdline string) *exec.Cmd {
		return exec.CommandContext(ctx, "ssh", append(append([]string{}, sshOpts...), dest, cmdline)...)
	}
	out := func(cmdline string) (string, error) {
		b, err := remote(cmdline).CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("ssh %s %q: %w: %s", dest, cmdline, err, strings.TrimSpace(string(b)))
		}
		return strings.TrimSpace(string(b)), nil
	}

	machine, err := out("uname -m")
	if err != nil {
		return nil, fmt.Errorf("%w (is key-based ssh login to the Pi set up?)", err)
	}
	p, err := piPlatform(machine)
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "picam-hil-ssh-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	clientBin := filepath.Join(work, "picam-client")
	if err := buildBinaries(ctx, c.repo, p, filepath.Join(work, "picam-server"), filepath.Join(work, "probe"), clientBin); err != nil {
		return nil, err
	}
	obs := &observations{consoleLog: filepath.Join(c.artifacts, "target.log"), target: targetResult{kind: "ssh"}}
	tests := filepath.Join(work, "tests")
	if err := os.MkdirAll(tests, 0o755); err != nil {
		return nil, err
	}
	if c.goTests {
		if obs.hilTests, err = buildHILTests(ctx, c, p, tests, obs); err != nil {
			return nil, err
		}
	}
	rdir, err := out("mktemp -d /tmp/picam-hil.XXXXXX")
	if err != nil {
		return nil, err
	}
	defer func() {
		// Best effort, with its own short bound: ctx may be over already.
		cctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = exec.CommandContext(cctx, "ssh", append(append([]string{}, sshOpts...), dest, "rm -rf "+shellQuote(rdir))...).Run()
	}()
	files := []string{filepath.Join(work, "picam-server"), filepath.Join(work, "probe"),
		filepath.Join(c.repo, "test/hil/guest/lib.sh"), filepath.Join(c.repo, "test/hil/guest/scenario.sh"), tests}
	scp := exec.CommandContext(ctx, "scp", append(append(append([]string{"-r"}, scpOpts...), files...), dest+":"+rdir+"/")...)
	if b, err := scp.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("scp to %s:%s: %w: %s", dest, rdir, err, strings.TrimSpace(string(b)))
	}

	ports, err := testkit.FreePorts(c.hostAddr, 3)
	if err != nil {
		return nil, fmt.Errorf("%w (HIL_HOST_ADDR must be an address of this machine)", err)
	}
	kids, err := startClients(ctx, c, c.hostAddr, clientBin, ports)
	defer func() {
		for _, k := range kids {
			k.wait(0)
		}
	}()
	if err != nil {
		return nil, err
	}
	led := c.led
	if led == "" {
		led = "ACT"
	}
	settings := []string{
		"HIL_BIN=" + rdir, "HIL_WORK=" + rdir, "HIL_HOST=" + c.hostAddr, "HIL_PORTS=" + joinInts(ports[:2]),
		"HIL_ENC_PORT=" + strconv.Itoa(ports[2]), "HIL_ENC_CODEC=h264", "HIL_ENC_FRAMES=" + strconv.Itoa(encoderFrames),
		"HIL_FRAMES=" + strconv.Itoa(c.frames), "HIL_RES=" + c.resolution,
		"HIL_SERVER_ARGS=" + c.serverArgs, "HIL_SERVER_CODEC=--codec " + c.codec, "HIL_SERVER_LED=", "HIL_SERVER_BUTTON=",
		"HIL_HTTP=", "HIL_TESTS=" + rdir + "/tests", "HIL_LED=" + led, "HIL_BUTTON=", "HIL_BREAK=" + strings.Join(c.breaks, " "),
	}
	var envs []string
	for _, s := range settings {
		k, v, _ := strings.Cut(s, "=")
		envs = append(envs, k+"="+shellQuote(v))
	}
	// Camera, GPIO and LED access need root (or the video/gpio groups and a
	// udev rule for the LED): use sudo when the login is not root and sudo
	// works without a password. timeout keeps a wedged scenario from
	// outliving the run on the Pi.
	limit := strconv.Itoa(int(c.bootLimit.Seconds()))
	cmdline := fmt.Sprintf(`S=; [ "$(id -u)" = 0 ] || { sudo -n true 2>/dev/null && S="sudo -n"; }; $S env %s timeout %s sh %s/scenario.sh`,
		strings.Join(envs, " "), limit, shellQuote(rdir))

	logf, err := os.Create(obs.consoleLog)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	runCtx, cancel := context.WithTimeout(ctx, c.bootLimit+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(runCtx, "ssh", append(append([]string{}, sshOpts...), dest, cmdline)...)
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	cmd.WaitDelay = 5 * time.Second
	fmt.Printf("hil: running the scenario on %s (%s), log %s\n", dest, machine, obs.consoleLog)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("ssh %s: %w", dest, err)
	}
	if err := readConsole(bufio.NewReader(pipe), logf, obs.add); err != nil {
		log.Warn("reading the ssh session", "err", err)
	}
	_ = cmd.Wait()
	obs.target.timedOut = runCtx.Err() == context.DeadlineExceeded
	if cmd.ProcessState != nil {
		obs.target.exitCode = cmd.ProcessState.ExitCode()
	}
	if ctx.Err() != nil {
		return obs, fmt.Errorf("interrupted: %w", ctx.Err())
	}
	obs.clients = finishClients(kids, ports, len(obs.all("server.start")) > 0)
	kids = nil
	obs.wall = time.Since(start)
	return obs, nil
}

// piPlatform maps uname -m to a Go target.
func piPlatform(machine string) (platform, error) {
	switch machine {
	case "aarch64", "arm64":
		return platform{goos: "linux", goarch: "arm64"}, nil
	case "armv7l", "armv8l":
		return platform{goos: "linux", goarch: "arm", goarm: "7"}, nil
	case "armv6l":
		return platform{goos: "linux", goarch: "arm", goarm: "6"}, nil
	case "x86_64":
		// Not a Pi, but a PC with a USB camera runs picam too.
		return platform{goos: "linux", goarch: "amd64"}, nil
	}
	return platform{}, fmt.Errorf("the target says it is %q; picam's HIL runs on Raspberry Pis (aarch64, armv7l, armv6l) and x86_64 PCs", machine)
}
