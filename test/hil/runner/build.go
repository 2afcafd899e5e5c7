package main

import (
	"context"
	"fmt"

	"github.com/picam-project/picam/internal/testkit"
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

// buildBinaries builds picam-server and the probe for the target p, and
// picam-client for this machine, at the paths given.
func buildBinaries(ctx context.Context, repo string, p platform, server, probe, client string) error {
	for _, b := range []struct {
		p        platform
		pkg, out string
	}{
		{p, "./cmd/picam-server", server},
		{p, "./test/hil/probe", probe},
		{native, "./cmd/picam-client", client},
	} {
		if err := goBuild(ctx, repo, b.p, b.pkg, b.out); err != nil {
			return err
		}
	}
	return nil
}

// goBuild builds a static binary of pkg for p, as the release builds do.
func goBuild(ctx context.Context, repo string, p platform, pkg, out string) error {
	env := []string{"CGO_ENABLED=0"}
	if p != native {
		env = append(env, "GOOS="+p.goos, "GOARCH="+p.goarch, "GOARM="+p.goarm)
	}
	b := testkit.Build{Repo: repo, Pkg: pkg, Out: out, Flags: []string{"-trimpath", "-ldflags=-s -w"}, Env: env}
	if err := testkit.GoBuild(ctx, b); err != nil {
		return fmt.Errorf("building %s for %s: %w", pkg, p, err)
	}
	return nil
}
