package testkit

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// Build says how to build one binary with the go tool.
type Build struct {
	// Pkg is the package, relative to the repository root ("./cmd/picam-server").
	Pkg string
	// Out is the binary's path; Binary chooses it itself.
	Out string
	// Tags are the build tags ("openh264"), if any.
	Tags string
	// Flags are more go build flags ("-trimpath", "-ldflags=-s -w").
	Flags []string
	// Env is added to this process's environment ("CGO_ENABLED=0", "GOARCH=arm64").
	Env []string
	// Repo is the repository root; empty: the one this process runs in (RepoRoot).
	Repo string
}

// GoBuild runs go build for b; the error carries go's output. The go tool is $GO when set (the
// Makefile's $(GO)), else go from PATH.
func GoBuild(ctx context.Context, b Build) error {
	repo := b.Repo
	if repo == "" {
		r, err := RepoRoot()
		if err != nil {
			return err
		}
		repo = r
	}
	args := []string{"build"}
	if b.Tags != "" {
		args = append(args, "-tags", b.Tags)
	}
	args = append(args, b.Flags...)
	args = append(args, "-o", b.Out, b.Pkg)
	cmd := exec.CommandContext(ctx, GoCommand(), args...)
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), b.Env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// GoCommand is the go tool: $GO when set (make passes its $(GO)), else go from PATH.
func GoCommand() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}

// RepoRoot is the picam repository this process runs in: the nearest directory at or above
// the working directory that holds go.mod (go test runs a test in its package's directory).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the repository: %w", err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod at or above %s: run from inside the picam repository", dir)
		}
	}
}

// binaries are the ones Binary built in this process, by name, in one temporary directory.
var binaries struct {
	mu    sync.Mutex
	dir   string
	built map[string]*builtBinary
}

type builtBinary struct {
	once sync.Once
	path string
	err  error
}

// Binary builds b once per process (later calls with the same name return the first result)
// and returns the binary's path, name in a temporary directory that RemoveBinaries removes.
// b.Out is ignored. Tests of one package run in one process, so each harness builds each
// binary once however many tests use it.
func Binary(name string, b Build) (string, error) {
	binaries.mu.Lock()
	if binaries.built == nil {
		binaries.built = map[string]*builtBinary{}
	}
	if binaries.dir == "" {
		dir, err := os.MkdirTemp("", "picam-testkit-")
		if err != nil {
			binaries.mu.Unlock()
			return "", fmt.Errorf("a directory for %s: %w", name, err)
		}
		binaries.dir = dir
	}
	bb := binaries.built[name]
	if bb == nil {
		bb = &builtBinary{}
		binaries.built[name] = bb
	}
	dir := binaries.dir
	binaries.mu.Unlock()
	bb.once.Do(func() {
		b.Out = filepath.Join(dir, name)
		if err := GoBuild(context.Background(), b); err != nil {
			bb.err = fmt.Errorf("building %s: %w", name, err)
			return
		}
		bb.path = b.Out
	})
	return bb.path, bb.err
}

// RemoveBinaries deletes what Binary built (call it at the end of TestMain). Binary builds
// again afterwards.
func RemoveBinaries() error {
	binaries.mu.Lock()
	defer binaries.mu.Unlock()
	dir := binaries.dir
	binaries.dir, binaries.built = "", nil
	if dir == "" {
		return nil
	}
	return os.RemoveAll(dir)
}
