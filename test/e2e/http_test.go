package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The status endpoints answer while streaming: health, tracked clients as JSON, Prometheus text.
func TestHTTPStatusEndpoints(t *testing.T) {
	ports := freePorts(t, 2)
	client := start(t, "picam-client", "--address", "127.0.0.1", "--port", fmt.Sprint(ports[0]), "--pattern", "1", "--return", "hi {n}", "--stats", "0")
	waitListening(t, ports[0])
	httpAddr := fmt.Sprintf("127.0.0.1:%d", ports[1])
	srv := start(t, "picam-server", "--address", "127.0.0.1", "--ports", fmt.Sprint(ports[0]), "--pattern", "1", "--codec", "raw",
		"--resolution", "160x120", "--http", httpAddr)
	get := func(path string) (int, string) {
		t.Helper()
		var lastErr error
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			resp, err := http.Get("http://" + httpAddr + path)
			if err != nil {
				lastErr = err
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return resp.StatusCode, string(b)
		}
		t.Fatalf("GET %s: %v", path, lastErr)
		return 0, ""
	}
	if code, body := get("/healthz"); code != 200 || strings.TrimSpace(body) != "ok" {
		t.Fatalf("/healthz: %d %q", code, body)
	}
	time.Sleep(time.Second)
	code, body := get("/api/clients")
	var st serverSummary
	if err := json.Unmarshal([]byte(body), &st); code != 200 || err != nil {
		t.Fatalf("/api/clients: %d %v %s", code, err, body)
	}
	if len(st.Clients) != 1 || st.Clients[0].Port != ports[0] || st.Clients[0].State != "connected" || st.Clients[0].Replies == 0 ||
		!strings.Contains(string(st.Clients[0].LastData), "hi ") {
		t.Fatalf("/api/clients: %s", body)
	}
	code, body = get("/api/status")
	var state struct {
		State      string `json:"state"`
		Clients    int    `json:"clients"`
		FramesSent uint64 `json:"frames_sent"`
		Version    string `json:"version"`
		Build      struct {
			Version string `json:"version"`
			Go      string `json:"go"`
		} `json:"build"`
	}
	if err := json.Unmarshal([]byte(body), &state); code != 200 || err != nil || state.State != "streaming" || state.Clients != 1 || state.FramesSent == 0 {
		t.Fatalf("/api/status: %d %v %s (want streaming with 1 client and frames sent)", code, err, body)
	}
	if state.Version == "" || state.Build.Version != state.Version || !strings.HasPrefix(state.Build.Go, "go") {
		t.Fatalf("/api/status: %s (want the version and the build with its Go version)", body)
	}
	code, body = get("/metrics")
	for _, want := range []string{"picam_frames_sent_total", fmt.Sprintf(`picam_client_frames_sent_total{endpoint="127.0.0.1:%d"}`, ports[0]),
		`picam_client_state{endpoint="127.0.0.1:` + fmt.Sprint(ports[0]) + `",state="connected"} 1`, "picam_client_replies_total",
		`picam_build_info{goversion="` + state.Build.Go + `",revision="`, `",version="` + state.Version + `"} 1`} {
		if code != 200 || !strings.Contains(body, want) {
			t.Fatalf("/metrics lacks %q:\n%s", want, body)
		}
	}
	srv.signal(syscall.SIGINT)
	if c := srv.wait(5 * time.Second); c != 0 {
		t.Fatalf("server exit %d", c)
	}
	if c := client.wait(5 * time.Second); c != 0 {
		t.Fatalf("client exit %d", c)
	}
}
