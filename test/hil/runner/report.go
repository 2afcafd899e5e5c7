package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// report prints one line per check, the guest log's tail when a guest-side
// check failed, where the artifacts are, and the closing count. It also
// writes the same to artifacts/summary.txt. It returns the number of failures.
func report(w io.Writer, c config, o *observations, res []result) int {
	var sb strings.Builder
	var passed, failed, skipped int
	var skippedNames []string
	guestFailed := false
	for _, r := range res {
		tag := map[verdict]string{pass: "ok  ", fail: "FAIL", skip: "skip"}[r.v]
		line := tag + " " + r.name
		if r.detail != "" {
			line += ": " + r.detail
		}
		fmt.Fprintln(&sb, line)
		switch r.v {
		case pass:
			passed++
		case fail:
			failed++
			guestFailed = guestFailed || r.guest
		case skip:
			skipped++
			skippedNames = append(skippedNames, r.name)
		}
	}
	if len(c.breaks) > 0 {
		fmt.Fprintf(&sb, "note: HIL_BREAK=%s was set: the failures above are expected\n", strings.Join(c.breaks, ","))
	}
	fmt.Fprint(w, sb.String())
	if guestFailed {
		printTail(w, o.consoleLog, 40)
	}
	fmt.Fprintf(w, "hil: logs in %s (guest: %s)\n", c.artifacts, filepath.Base(o.consoleLog))
	closing := fmt.Sprintf("%d passed, %d failed", passed, failed)
	if skipped > 0 {
		// Only a real board skips (in QEMU a skip is a failure): say what it lacked.
		closing += fmt.Sprintf(", %d skipped (not checked on this board: %s)", skipped, strings.Join(skippedNames, "; "))
	}
	fmt.Fprintln(w, closing)
	_ = os.WriteFile(filepath.Join(c.artifacts, "summary.txt"), []byte(sb.String()+closing+"\n"), 0o644)
	return failed
}
