//go:build sdcard

package sdcard

import (
	"flag"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/picam-project/picam/internal/testkit"
)

// firstFrameLimit is the bound: power on to the first frame at a client, 20 s.
var firstFrameLimit = flag.Duration("first-frame-limit", 20*time.Second,
	"fail when the median boot takes longer from QEMU's start to the first frame at the host client")

// bootSample is one boot to the first frame at the host client.
type bootSample struct {
	what string
	wall time.Duration // QEMU started -> first frame read by the client
	cpu  float64       // QEMU's CPU seconds by then
	load string        // the host's load averages (1, 5, 15 min) at that moment
}

func (s bootSample) String() string {
	return fmt.Sprintf("%.1f s wall, QEMU %.1f s CPU, load %s (%s)", s.wall.Seconds(), s.cpu, s.load, s.what)
}

// bootTimes collects the samples of every streaming boot of a run.
type bootTimes struct {
	mu      sync.Mutex
	samples []bootSample
}

func (b *bootTimes) add(s bootSample) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.samples = append(b.samples, s)
}

func (b *bootTimes) all() []bootSample {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.samples)
}

// spread is the minimum, median and maximum wall time of samples (not empty).
func spread(samples []bootSample) (lo, med, hi time.Duration) {
	w := make([]time.Duration, len(samples))
	for i, s := range samples {
		w[i] = s.wall
	}
	slices.Sort(w)
	med = w[len(w)/2]
	if len(w)%2 == 0 {
		med = (w[len(w)/2-1] + w[len(w)/2]) / 2
	}
	return w[0], med, w[len(w)-1]
}

// loadAvg is the 1, 5 and 15 minute load averages.
var loadAvg = testkit.LoadAvg
