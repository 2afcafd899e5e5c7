package main

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/picam-project/picam/internal/testkit"
	"github.com/picam-project/picam/test/hil/internal/fact"
)

// Packages may carry their own hardware tests behind the "hil" build tag
// (hw/v4l2 and codec do): they need a real camera and encoder and never skip.
// The runner builds each such package's test binary for the target and the
// scenario runs its TestHIL* tests against the devices the probe finds.

// hilTestPackages lists the package directories (relative, slash-separated)
// that have a _test.go file constrained by the hil tag. test/hil itself is
// the harness, not a subject.
func hilTestPackages(repo string) ([]string, error) {
	seen := map[string]bool{}
	err := filepath.WalkDir(repo, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			rel, _ := filepath.Rel(repo, path)
			if name == "vendor" || name == "testdata" || (strings.HasPrefix(name, ".") && path != repo) || rel == filepath.Join("test", "hil") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, "_test.go") {
			return nil
		}
		if hasHILTag(path) {
			rel, _ := filepath.Rel(repo, filepath.Dir(path))
			seen[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	var out []string
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, err
}

// hasHILTag reports whether the file's //go:build line names the hil tag.
func hasHILTag(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for i := 0; sc.Scan() && i < 20; i++ {
		l := strings.TrimSpace(sc.Text())
		if expr, ok := strings.CutPrefix(l, "//go:build "); ok {
			for _, tok := range strings.FieldsFunc(expr, func(r rune) bool { return strings.ContainsRune(" ()!&|", r) }) {
				if tok == "hil" {
					return true
				}
			}
			return false
		}
		if strings.HasPrefix(l, "package ") {
			return false
		}
	}
	return false
}

// testBinaryName maps a package directory to the binary name the scenario
// reports back ("hw/v4l2" -> "hw.v4l2").
func testBinaryName(pkg string) string { return strings.ReplaceAll(pkg, "/", ".") }

// buildHILTests builds each package's hil test binary for p into dir. A
// package that does not build is reported as a failed gotest fact instead of
// stopping the run: the rest of the HIL run is still worth having.
func buildHILTests(ctx context.Context, c config, p platform, dir string, obs *observations) ([]string, error) {
	pkgs, err := hilTestPackages(c.repo)
	if err != nil {
		return nil, fmt.Errorf("looking for hil tests: %w", err)
	}
	var built []string
	for _, pkg := range pkgs {
		name := testBinaryName(pkg)
		out := filepath.Join(dir, name+".test")
		cmd := exec.CommandContext(ctx, testkit.GoCommand(), "test", "-c", "-tags", "hil", "-trimpath", "-ldflags=-s -w", "-o", out, "./"+pkg)
		cmd.Dir = c.repo
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.goos, "GOARCH="+p.goarch, "GOARM="+p.goarm)
		if b, err := cmd.CombinedOutput(); err != nil {
			obs.add(fact.Fact{Step: "gotest", Err: fmt.Sprintf("go test -c -tags hil ./%s for %s: %v: %s", pkg, p, err, strings.TrimSpace(string(b))),
				V: map[string]any{"package": name}})
			continue
		}
		built = append(built, name)
	}
	return built, nil
}
