package e2e

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// make demo promises the test pattern: every picam-server it runs names --source testsrc, since
// the default (auto) would stream a webcam on a machine that has one.
func TestDemoUsesTheTestPattern(t *testing.T) {
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	_, recipe, ok := strings.Cut(string(mk), "\ndemo:")
	if !ok {
		t.Fatal("the Makefile has no demo target")
	}
	if end := regexp.MustCompile(`\n\S`).FindStringIndex(recipe); end != nil {
		recipe = recipe[:end[0]]
	}
	runs := regexp.MustCompile(`picam-server[^;\n]*`).FindAllString(recipe, -1)
	if len(runs) == 0 {
		t.Fatalf("make demo runs no picam-server:\n%s", recipe)
	}
	for _, r := range runs {
		if !regexp.MustCompile(`--source[ =]testsrc\b`).MatchString(r) {
			t.Errorf("make demo runs %q without --source testsrc", r)
		}
	}
}
