package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/picam-project/picam/internal/cli"
	"github.com/picam-project/picam/update"
)

// runUpdate is "picam-client update --to HOST[:PORT] BUNDLE": it sends a signed update bundle
// (make bundle) to a picam-server's HTTP listener, showing progress, and reports its answer.
func runUpdate(args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlagSet("picam-client update", "usage: picam-client update --to HOST[:PORT] [--token-file FILE] BUNDLE\n\n"+
		"Sends BUNDLE (make bundle: bin/sdcard/update.raucb) to the camera, which checks its signature\n"+
		"and board, installs it into the other slot and reboots into it.\n\n", stderr)
	to := fs.String("to", "", "the camera's HTTP listener, HOST or HOST:PORT (port 8080 if none), as its --http / http = in picam.conf")
	tokenFile := fs.String("token-file", "", "file holding the camera's HTTP bearer token (its http_token_file)")
	noReboot := fs.Bool("no-reboot", false, "install, but leave the reboot into the new slot to you")
	timeout := fs.Duration("timeout", 15*time.Minute, "give up after this long (upload, check and install)")
	if err := cli.Parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cli.ExitOK
		}
		fmt.Fprintln(stderr, "picam-client update:", err)
		return cli.ExitUsage
	}
	if *to == "" || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "picam-client update: give --to HOST and one BUNDLE file (picam-client update --help)")
		return cli.ExitUsage
	}
	host := *to
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(host, "8080")
	}
	token := ""
	if *tokenFile != "" {
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			fmt.Fprintln(stderr, "picam-client update: --token-file:", err)
			return cli.ExitUsage
		}
		token, _, _ = strings.Cut(string(b), "\n")
		token = strings.TrimSpace(token)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	start := time.Now()
	pr := progressPrinter{w: stderr, now: time.Now}
	st, err := update.Send(ctx, "http://"+host, token, fs.Arg(0), !*noReboot, pr.show)
	if err != nil {
		fmt.Fprintln(stderr, "picam-client update:", err)
		return 1
	}
	v := ""
	if st.Bundle != nil {
		v = st.Bundle.Version
	}
	fmt.Fprintf(stdout, "installed version %s (%d bytes) in %.1f s", v, st.Received, time.Since(start).Seconds())
	if st.Reboot {
		fmt.Fprint(stdout, "; the camera is rebooting into it")
	}
	fmt.Fprintln(stdout)
	return cli.ExitOK
}

// progressPrinter prints update.Send's progress reports (one a second) as lines, but only
// when the line changes or, while it does not (a slow link can take many seconds per percent),
// every progressQuiet to show the upload is alive.
type progressPrinter struct {
	w       io.Writer
	now     func() time.Time
	last    string
	printed time.Time
}

// progressQuiet is the longest the printer stays silent while the progress does not move.
const progressQuiet = 10 * time.Second

func (pr *progressPrinter) show(p update.Progress) {
	line := ""
	if p.Server != nil {
		line = strings.TrimSpace(p.Server.State + " " + p.Server.Progress) // no progress message yet: the state alone
	} else {
		line = fmt.Sprintf("sent %.1f of %.1f MB (%d%%)", float64(p.Sent)/1e6, float64(p.Total)/1e6, p.Sent*100/max(p.Total, 1))
	}
	now := pr.now()
	if line == pr.last && now.Sub(pr.printed) < progressQuiet {
		return
	}
	pr.last, pr.printed = line, now
	fmt.Fprintf(pr.w, "picam-client update: %s\n", line)
}
