package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// NginxRTMPModule is where Debian's libnginx-mod-rtmp installs the RTMP module.
const NginxRTMPModule = "/usr/lib/nginx/modules/ngx_rtmp_module.so"

// NginxRTMP is a relay for publish tests: nginx with Debian's RTMP module, run in the
// foreground (daemon off, no master process) on a loopback port, with its config, pid file and
// logs in Dir. Start it (again, after Kill) with Start.
type NginxRTMP struct {
	Dir  string
	Port int
	// App is the application block's name: publish to rtmp://127.0.0.1:PORT/APP/KEY.
	App string
	// AppConf is added inside the application block (after "live on;"), e.g. an on_publish
	// hook.
	AppConf string

	proc *Proc
}

// RequireNginxRTMP returns an error naming the packages to install when nginx or its RTMP
// module is missing.
func RequireNginxRTMP() error {
	if _, err := exec.LookPath("nginx"); err != nil {
		return fmt.Errorf("nginx is missing: apt-get install --no-install-recommends nginx libnginx-mod-rtmp (make deps)")
	}
	if _, err := os.Stat(NginxRTMPModule); err != nil {
		return fmt.Errorf("nginx's RTMP module is missing (%w): apt-get install --no-install-recommends libnginx-mod-rtmp (make deps)", err)
	}
	return nil
}

// config writes nginx.conf into Dir and returns its path.
func (n *NginxRTMP) config() (string, error) {
	if n.App == "" {
		n.App = "live"
	}
	conf := fmt.Sprintf(`load_module %s;
daemon off;
master_process off;
pid %s;
error_log %s info;
events { worker_connections 256; }
rtmp {
	server {
		listen 127.0.0.1:%d;
		chunk_size 4096;
		application %s {
			live on;
			%s
		}
	}
}
`, NginxRTMPModule, filepath.Join(n.Dir, "nginx.pid"), filepath.Join(n.Dir, "error.log"), n.Port, n.App, n.AppConf)
	path := filepath.Join(n.Dir, "nginx.conf")
	return path, os.WriteFile(path, []byte(conf), 0o644)
}

// Start runs nginx and waits until it accepts connections.
func (n *NginxRTMP) Start() error {
	if err := RequireNginxRTMP(); err != nil {
		return err
	}
	conf, err := n.config()
	if err != nil {
		return err
	}
	os.MkdirAll(filepath.Join(n.Dir, "logs"), 0o755)
	p, err := Start(exec.Command("nginx", "-p", n.Dir, "-c", conf, "-e", filepath.Join(n.Dir, "error.log")), Options{Name: "nginx"})
	if err != nil {
		return err
	}
	n.proc = p
	if err := WaitListening(10*time.Second, n.Port); err != nil {
		p.Kill()
		log, _ := os.ReadFile(filepath.Join(n.Dir, "error.log"))
		return fmt.Errorf("nginx: %w\n%s\n%s", err, p.StderrTail(20), TailBytes(string(log), 2000))
	}
	return nil
}

// Kill stops nginx at once (SIGKILL: every connection drops, as when the relay crashes) and
// waits for it to exit.
func (n *NginxRTMP) Kill() {
	if n.proc != nil {
		n.proc.Kill()
		n.proc = nil
	}
}

// ErrorLog returns the end of nginx's error log, for failure messages.
func (n *NginxRTMP) ErrorLog() string {
	b, _ := os.ReadFile(filepath.Join(n.Dir, "error.log"))
	return TailBytes(string(b), 3000)
}

// Pid is nginx's process id, 0 when it is not running.
func (n *NginxRTMP) Pid() int {
	if n.proc == nil {
		return 0
	}
	return n.proc.Cmd.Process.Pid
}
