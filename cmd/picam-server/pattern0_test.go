package main

import (
	"io"
	"log/slog"
	"slices"
	"testing"

	"github.com/picam-project/picam/stream"
)

// --pattern 0 with no client given connects where NetGear's sender does by default
// (localhost:5555); --multiserver reaches the stream configuration.
func TestPattern0DefaultClientAndMultiServer(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for _, c := range []struct {
		args      []string
		endpoints []string
		multi     bool
	}{
		{[]string{"--pattern", "0"}, []string{"localhost:5555"}, false},
		{[]string{"--pattern", "0", "--client", "10.0.0.2:6000"}, []string{"10.0.0.2:6000"}, false},
		{[]string{"--pattern", "1", "--multiserver", "--client", "10.0.0.2:5566"}, []string{"10.0.0.2:5566"}, true},
	} {
		o, err := parseFlags(append(c.args, "--source", "testsrc", "--codec", "raw", "--resolution", "64x48"), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		cfg, pl, err := o.build(log)
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		pl.close()
		if !slices.Equal(cfg.Endpoints, c.endpoints) || cfg.MultiServer != c.multi {
			t.Errorf("%v: endpoints %v multiserver %v", c.args, cfg.Endpoints, cfg.MultiServer)
		}
		srv, err := stream.NewServer(cfg)
		if err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		if err := srv.Start(); err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		srv.Close() // nothing connected: returns at once
	}
}
