// Package conftest gives tests the picam.conf example the README shows, read from README.md at
// test time, so the tests check what users copy and cannot drift from it.
package conftest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// readmeSection is the heading of the README section whose ini block is the example.
const readmeSection = "### Settings: `picam.conf`"

// READMEPath is the repository's README.md.
func READMEPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "README.md")
}

// READMEExample returns the ```ini block of the README's "Settings: picam.conf" section.
func READMEExample(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(READMEPath())
	if err != nil {
		t.Fatalf("read the README: %v", err)
	}
	block, err := iniBlock(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return block
}

// iniBlock finds the first ```ini block after readmeSection.
func iniBlock(readme string) (string, error) {
	_, sec, ok := strings.Cut(readme, "\n"+readmeSection+"\n")
	if !ok {
		return "", fmt.Errorf("README.md has no %q section", readmeSection)
	}
	if next := strings.Index(sec, "\n## "); next >= 0 {
		sec = sec[:next]
	}
	_, block, ok := strings.Cut(sec, "```ini\n")
	if !ok {
		return "", fmt.Errorf("README.md's %q section has no ```ini block", readmeSection)
	}
	block, _, ok = strings.Cut(block, "```")
	if !ok {
		return "", fmt.Errorf("README.md's %q ini block is not closed", readmeSection)
	}
	return block, nil
}
