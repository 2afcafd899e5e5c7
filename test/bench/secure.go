package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// keys makes the CURVE key set for secure cells once (picam-server keys) and returns its
// directory, inside the payloads' temporary directory so the benchmark's cleanup removes it.
func (r *runner) keys() (string, error) {
	if r.certDir != "" {
		return r.certDir, nil
	}
	dir, err := os.MkdirTemp(r.pl.dir, "keys-")
	if err != nil {
		return "", fmt.Errorf("temp dir for the CURVE keys: %w", err)
	}
	out, err := exec.Command(r.bin+"/picam-server", "keys", "--out", dir).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("picam-server keys --out %s: %w: %s", dir, err, out)
	}
	r.certDir = dir
	return dir, nil
}

// secureResult compares picam in secure mode 2 with picam in plaintext in one cell, the two
// run alternately so the machine's load hits both alike.
type secureResult struct {
	Cell          cell // the plaintext cell; the secure runs are the same with Secure set
	Plain, Secure summaryStats
}

// secureCells are the cells secure mode is measured in; the first is issue 22's target.
var secureCells = []cell{
	{Kind: jpeg720, Pattern: 2, Clients: 4},
	{Kind: raw640, Pattern: 2, Clients: 4},
}

// measureSecure runs each secure cell's plaintext and secure runs alternately.
func measureSecure(r *runner, o *options, log io.Writer) []secureResult {
	var out []secureResult
	for _, c := range secureCells {
		sc := c
		sc.Secure = true
		if o.only != "" && !strings.Contains(sc.String(), o.only) {
			continue
		}
		runs := o.runs
		if runs <= 0 {
			runs = 3
			if o.quick {
				runs = 1
			}
		}
		var plain, secure []runResult
		for i := range runs {
			for _, sc := range []cell{c, sc} {
				res := r.run(trPicam, sc)
				if res.Err != nil {
					fmt.Fprintf(log, "bench: picam %s run %d: %v; retrying once\n", sc, i+1, res.Err)
					res = r.run(trPicam, sc)
				}
				if sc.Secure {
					secure = append(secure, res)
				} else {
					plain = append(plain, res)
				}
				fmt.Fprintf(log, "bench: %-6s %-35s run %d: %7.0f frames/s summed over %v (load %s)\n",
					trPicam, sc, i+1, res.summedFPS(), res.Window.Round(time.Millisecond), loadAvg())
				noteLoad("secure")
			}
		}
		out = append(out, secureResult{Cell: c, Plain: condense(c, plain), Secure: condense(c, secure)})
	}
	return out
}

// secureTable prints secure mode against plaintext.
func (r *report) secureTable() {
	r.printf("Secure mode 2 (CURVE: every frame sealed per client with x/crypto's box) against plaintext picam,\n")
	r.printf("run alternately, %v per run, median of the runs:\n", r.o.window)
	r.printf("%-14s %3s %3s | %16s | %16s | %12s | %s\n", "frames", "pat", "cl", "picam plain", "picam secure", "secure÷plain",
		"server CPU µs/frame plain / secure")
	for _, s := range r.secure {
		c := s.Cell
		if s.Plain.OK == 0 || s.Secure.OK == 0 {
			r.failed++
			r.printf("%-14s %3d %3d | FAILED: plain %v; secure %v\n", c.Kind.Name, c.Pattern, c.Clients, s.Plain.Errs, s.Secure.Errs)
			continue
		}
		r.printf("%-14s %3d %3d | %6.0f (%6.0f) | %6.0f (%6.0f) | %12.2f | %5.0f / %5.0f\n", c.Kind.Name, c.Pattern, c.Clients,
			s.Plain.Summed, s.Plain.PerClient, s.Secure.Summed, s.Secure.PerClient, s.Secure.Summed/s.Plain.Summed,
			s.Plain.ServerUS, s.Secure.ServerUS)
	}
	r.printf("%s\n", loadLine("secure"))
}
