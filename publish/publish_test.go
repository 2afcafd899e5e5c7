package publish

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/picam-project/picam/av"
	"github.com/picam-project/picam/fanout"
	"github.com/picam-project/picam/internal/testkit"
)

func TestCheckURLs(t *testing.T) {
	for _, tc := range []struct {
		url   string
		codec av.Codec
		err   string // "" = accepted
	}{
		{"rtmp://relay:1935/live/cam", av.H264, ""},
		{"rtmps://ingest.example.com/app/sub/key", av.H264, ""},
		{"rtmp://relay/live#cam", av.H264, ""},
		{"rtsp://relay:8554/cam", av.H264, ""},
		{"rtsp://user:pw@relay/cam", av.JPEG, ""},
		{"rtmp://relay/live/cam", av.JPEG, "RTMP carries H.264, not jpeg: add --codec h264"},
		{"rtmp://relay/live", av.H264, "rtmp://HOST[:PORT]/APP/KEY"},
		{"rtmp:///live/cam", av.H264, "no host"},
		{"rtsp://relay/cam", av.Raw, "RTSP carries H.264 or JPEG, not raw"},
		{"srt://relay:9000", av.H264, "unsupported URL scheme \"srt\": use rtmp://"},
		{"relay:1935/live/cam", av.H264, "unsupported URL scheme"},
	} {
		err := Check(tc.url, tc.codec)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s (%s): %v", tc.url, tc.codec, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s (%s): error %v, want one containing %q", tc.url, tc.codec, err, tc.err)
		}
	}
	if err := Check("ftp://x/y", av.H264); !errors.Is(err, ErrScheme) {
		t.Errorf("ftp: %v, want ErrScheme", err)
	}
}

// The stream key and the password are secrets: /api/clients, /metrics and the logs show the
// URL without them.
func TestStatusURLHidesSecrets(t *testing.T) {
	for in, want := range map[string]string{
		"rtmp://relay:1935/live/s3cret":   "rtmp://relay:1935/live/xxxxx",
		"rtmp://relay/live#s3cret":        "rtmp://relay/live#xxxxx",
		"rtsp://me:s3cret@relay:8554/cam": "rtsp://me:xxxxx@relay:8554/cam",
	} {
		tg, err := New(Config{URL: in, Codec: av.H264, Subscribe: func(string) Feed { return nil }})
		if err != nil {
			t.Fatal(err)
		}
		if got := tg.Status().URL; got != want || strings.Contains(got, "s3cret") {
			t.Errorf("%s shown as %s, want %s", in, got, want)
		}
	}
}

func TestRTMPURLForm(t *testing.T) {
	tg, err := New(Config{URL: "rtmp://relay:1935/app/sub/key", Codec: av.H264, Subscribe: func(string) Feed { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if got := tg.rtmpURL.String(); got != "rtmp://relay:1935/app/sub#key" {
		t.Errorf("gortmplib URL %s, want rtmp://relay:1935/app/sub#key (app is the path, key the fragment)", got)
	}
}

// A relay that refuses the stream (nginx-rtmp whose on_publish hook answers 403, as for a
// wrong stream key) is reported as a refusal, "failed: …", not as a network error, and after
// the second refusal in a row it is retried slowly (Backoff.Refused), not every half second.
func TestRefusalIsReportedAndRetriedSlowly(t *testing.T) {
	var asked atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.Error(w, "wrong key", http.StatusForbidden)
	}))
	defer hook.Close()
	relay := &testkit.NginxRTMP{Dir: t.TempDir(), Port: testkit.Port(t), AppConf: "on_publish " + hook.URL + "/auth;"}
	if err := relay.Start(); err != nil {
		t.Fatal(err)
	}
	defer relay.Kill()
	hub := fanout.New(fanout.Config{})
	defer hub.Close()
	tg, err := New(Config{URL: fmt.Sprintf("rtmp://127.0.0.1:%d/live/wrongkey", relay.Port), Codec: av.H264,
		Subscribe: func(name string) Feed { return hub.Subscribe(name) },
		Backoff:   Backoff{Min: 50 * time.Millisecond, Max: 100 * time.Millisecond, Refused: time.Hour, Reset: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	tg.Run(ctx)
	st := tg.Status()
	if !strings.HasPrefix(st.State, "failed: the relay refused the stream") || !st.Degraded() {
		t.Errorf("state %q, want failed: the relay refused the stream …", st.State)
	}
	if n := asked.Load(); n != 2 || st.Failures != 2 || st.Sessions != 0 {
		t.Errorf("the relay asked its hook %d times, %d failures, %d sessions in 3 s; want 2, 2, 0 (then the slow retry)", n, st.Failures, st.Sessions)
	}
}

// A relay that is not there is a network failure: "retrying", at the Backoff's pace.
func TestUnreachableRelayIsRetrying(t *testing.T) {
	port := testkit.Port(t) // nothing listens
	hub := fanout.New(fanout.Config{})
	defer hub.Close()
	tg, err := New(Config{URL: fmt.Sprintf("rtsp://127.0.0.1:%d/cam", port), Codec: av.H264,
		Subscribe: func(name string) Feed { return hub.Subscribe(name) },
		Backoff:   Backoff{Min: 100 * time.Millisecond, Max: 200 * time.Millisecond, Refused: time.Hour, Reset: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	tg.Run(ctx)
	st := tg.Status()
	// Attempts at 0, 0.1, 0.3, 0.5, 0.7, 0.9 s: 5 or 6 failures in one second.
	if st.State != StateRetrying || !strings.Contains(st.Error, "connection refused") || st.Failures < 4 || st.Failures > 6 {
		t.Errorf("status %+v, want retrying after a refused connection, 4-6 failures in 1 s", st)
	}
}

// Pictures stamped within the same millisecond (a camera's burst) still get increasing FLV
// timestamps; the first may be 0, and a capture time before the first is not negative.
func TestFLVTimeIncreases(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		last time.Duration
		have bool
		d    time.Duration
		want time.Duration
	}{
		{0, false, 0, 0},
		{0, false, -5 * ms, 0},
		{0, true, 200 * time.Microsecond, ms},
		{33 * ms, true, 33*ms + 900*time.Microsecond, 34 * ms},
		{33 * ms, true, 66*ms + 700*time.Microsecond, 66 * ms},
		{66 * ms, true, 10 * ms, 67 * ms},
	} {
		if got := flvTime(tc.last, tc.have, tc.d); got != tc.want {
			t.Errorf("flvTime(%v, %v, %v) = %v, want %v", tc.last, tc.have, tc.d, got, tc.want)
		}
	}
}
