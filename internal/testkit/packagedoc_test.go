package testkit

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every package of the repository has a doc comment that says what it holds: it starts
// "Package x " (x the package's name), and for a command (package main) "Command x " with x its
// directory's name, and it is a sentence, not just a name. A command's doc names the command,
// as Go's own commands do ("Gofmt formats Go programs."): "Package main" would say nothing, and
// "Command x" keeps the greppable "kind name" start of "Package x". A directory of only _test.go
// files (test/e2e) is judged by those.
func TestEveryPackageHasADoc(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != root && (name == "vendor" || name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(root, path)
		pkg, doc, ok := packageDoc(t, path)
		if !ok {
			return nil // no Go files
		}
		checked++
		if msg := judgeDoc(pkg, filepath.Base(path), doc); msg != "" {
			t.Errorf("%s (package %s): %s; write a comment right above one file's package clause, e.g. in %s/doc.go",
				rel, pkg, msg, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("only %d packages found under %s: the walk is broken", checked, root)
	}
}

// packageDoc returns the package name and its doc comment, read from the non-test files, or
// from the _test.go files when there are no others. ok is false when dir has no Go files.
func packageDoc(t *testing.T, dir string) (pkg, doc string, ok bool) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var plain, tests []string
	for _, e := range entries {
		switch n := e.Name(); {
		case e.IsDir() || !strings.HasSuffix(n, ".go"):
		case strings.HasSuffix(n, "_test.go"):
			tests = append(tests, n)
		default:
			plain = append(plain, n)
		}
	}
	files := plain
	if len(files) == 0 {
		files = tests
	}
	fset := token.NewFileSet()
	for _, n := range files {
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f.Name.Name, "_test") {
			continue // an external test package's doc is not the package's
		}
		pkg, ok = f.Name.Name, true
		if f.Doc != nil && doc == "" {
			doc = f.Doc.Text()
		}
	}
	return pkg, doc, ok
}

// judgeDoc says what is wrong with doc as the doc comment of package pkg in directory dir, or "".
func judgeDoc(pkg, dir, doc string) string {
	if doc == "" {
		return "no package doc comment"
	}
	prefixes := []string{"Package " + pkg + " "}
	if pkg == "main" {
		prefixes = []string{"Command " + dir + " "}
	}
	started := false
	for _, p := range prefixes {
		started = started || strings.HasPrefix(doc, p)
	}
	if !started {
		return "the doc comment starts " + quoteStart(doc) + ", not " + strings.Join(prefixes, "… or ") + "…"
	}
	if len(strings.Fields(doc)) < 8 {
		return "the doc comment " + quoteStart(doc) + " is too short to say what the package holds"
	}
	return ""
}

func quoteStart(doc string) string {
	f := strings.Fields(doc)
	return `"` + strings.Join(f[:min(len(f), 6)], " ") + `"`
}

// The judge itself: it refuses what it should.
func TestJudgeDoc(t *testing.T) {
	for _, c := range []struct {
		pkg, dir, doc string
		ok            bool
	}{
		{"stream", "stream", "Package stream is picam's NetGear output, on both sides of the wire.", true},
		{"picimage", "image", "Package picimage holds picam's uncompressed-frame vocabulary and more.", true},
		{"main", "picam-server", "Command picam-server captures frames, encodes them once and streams them.", true},
		{"main", "runner", "Package main is the runner: the host side of the hardware-in-the-loop test.", false},
		{"stream", "stream", "", false},
		{"stream", "stream", "Stream is picam's NetGear output, on both sides of the wire.", false},
		{"stream", "stream", "Package streams is picam's NetGear output, on both sides of the wire.", false},
		{"stream", "stream", "Package stream.", false},
		{"main", "runner", "Command probe is the host side of the hardware-in-the-loop test.", false},
	} {
		if got := judgeDoc(c.pkg, c.dir, c.doc); (got == "") != c.ok {
			t.Errorf("judgeDoc(%q, %q, %q) = %q, want ok %v", c.pkg, c.dir, c.doc, got, c.ok)
		}
	}
}

// Every design note the code or the README cites (docs/ and a .md name) is in the repository.
func TestCitedDocsExist(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cite := regexp.MustCompile(`\bdocs/[A-Za-z0-9_.-]+\.md\b`)
	found := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (name == "vendor" || name == "testdata" || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(name) {
		case ".go", ".md", ".py", ".sh":
		default:
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		for _, c := range cite.FindAllString(string(b), -1) {
			found++
			if _, err := os.Stat(filepath.Join(root, c)); err != nil {
				t.Errorf("%s cites %s, which is not in the repository: add it or stop citing it", rel, c)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Fatal("no docs/*.md citation found at all: the walk is broken")
	}
}
