package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// platform is a Go build target.
type platform struct{ goos, goarch, goarm string }

func (p platform) String() string {
	switch {
	case p == native:
		return "this machine"
	case p.goarm != "":
		return p.goos + "/" + p.goarch + "v" + p.goarm
	}
	return p.goos + "/" + p.goarch
}

// native builds for the machine the runner runs on (the host's clients).
var native = platform{}

// goBuild builds a static binary of pkg for p, as the release builds do.
func goBuild(ctx context.Context, repo string, p platform, pkg, out string) error {
	cmd := exec.CommandContext(ctx, goCommand(), "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.goos, "GOARCH="+p.goarch, "GOARM="+p.goarm)
	if p == native {
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s for %s: %w\n%s", pkg, p, err, strings.TrimSpace(string(b)))
	}
	return nil
}

// goCommand is the go tool make uses ($(GO)), else go from PATH.
func goCommand() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}
