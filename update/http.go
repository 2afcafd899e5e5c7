package update

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Options configure an Updater.
type Options struct {
	Engine        Engine        // nil: every update is refused with CodeNoEngine
	Dir           string        // where the upload is written (a RAM disk on the appliance); default os.TempDir()
	MaxSize       int64         // the largest bundle taken; default DefaultMaxSize
	Reserve       int64         // free space left in Dir after the upload; default 1 MiB
	UploadTimeout time.Duration // the whole upload; default 10 min
	CheckTimeout  time.Duration // Check; default 2 min
	InstallTime   time.Duration // Install; default 10 min
	// RebootDelay is the wait between sending the answer and rebooting, so that the answer
	// reaches the sender before the network goes down (0: none; ForSystem: 3 s).
	RebootDelay time.Duration
	Log         *slog.Logger

	freeSpace func(dir string) (int64, error) // tests; default statfs
}

// DefaultMaxSize bounds a bundle (the SD-card image's root is about 8 MB).
const DefaultMaxSize = 128 << 20

// Updater serves POST /api/update (install a bundle) and GET /api/update (the last update's
// Status). One update at a time: a second one while the first is received or installed is
// refused with CodeInProgress.
type Updater struct {
	o Options

	mu   sync.Mutex
	busy bool
	st   Status
}

// New returns an Updater with o's defaults filled in.
func New(o Options) *Updater {
	if o.Dir == "" {
		o.Dir = os.TempDir()
	}
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.Reserve <= 0 {
		o.Reserve = 1 << 20
	}
	if o.UploadTimeout <= 0 {
		o.UploadTimeout = 10 * time.Minute
	}
	if o.CheckTimeout <= 0 {
		o.CheckTimeout = 2 * time.Minute
	}
	if o.InstallTime <= 0 {
		o.InstallTime = 10 * time.Minute
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.freeSpace == nil {
		o.freeSpace = freeSpace
	}
	return &Updater{o: o, st: Status{State: StateIdle}}
}

// MaxBody is the largest request body POST /api/update reads: the HTTP server's general body
// bound must let it through for that route.
func (u *Updater) MaxBody() int64 { return u.o.MaxSize }

// Register adds GET and POST /api/update to mux.
func (u *Updater) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/update", u.serveStatus)
	mux.HandleFunc("POST /api/update", u.serveInstall)
}

// Status returns the state of the current or last update.
func (u *Updater) Status() Status {
	u.mu.Lock()
	defer u.mu.Unlock()
	st := u.st
	if st.Bundle != nil {
		b := *st.Bundle
		st.Bundle = &b
	}
	return st
}

func (u *Updater) set(f func(*Status)) {
	u.mu.Lock()
	defer u.mu.Unlock()
	f(&u.st)
}

func (u *Updater) serveStatus(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, u.Status())
}

// httpStatus is the HTTP status of a refusal.
func httpStatus(code string) int {
	switch code {
	case CodeInProgress:
		return http.StatusConflict
	case CodeNoLength:
		return http.StatusLengthRequired
	case CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case CodeNoSpace:
		return http.StatusInsufficientStorage
	case CodeTruncated, CodeBadSignature, CodeWrongCompatible, CodeInvalid:
		return http.StatusUnprocessableEntity
	case CodeNoEngine:
		return http.StatusNotImplemented
	default:
		return http.StatusInternalServerError
	}
}

// serveInstall receives, checks and installs one bundle. ?reboot=0 leaves the reboot to the
// caller; otherwise the system reboots once the answer has been sent.
func (u *Updater) serveInstall(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	if u.busy {
		st := u.st
		u.mu.Unlock()
		ref := refuse(CodeInProgress, fmt.Sprintf("an update is already %s (%d of %d bytes); wait for it (GET /api/update)", st.State, st.Received, st.Size), nil)
		writeJSON(w, httpStatus(ref.Code), Status{State: StateRefused, Code: ref.Code, Error: ref.Detail()})
		return
	}
	u.busy = true
	u.st = Status{State: StateReceiving, Size: r.ContentLength, Started: time.Now()}
	u.mu.Unlock()
	defer func() {
		u.mu.Lock()
		u.busy = false
		u.mu.Unlock()
	}()

	reboot := r.URL.Query().Get("reboot") != "0"
	err := u.install(r, w)
	if err != nil {
		ref := asRefusal(err, CodeInstallFailed, "the update failed")
		u.o.Log.Warn("update refused", "code", ref.Code, "err", ref.Error())
		u.set(func(s *Status) {
			s.State, s.Code, s.Error, s.Finished = StateRefused, ref.Code, ref.Detail(), time.Now()
		})
		writeJSON(w, httpStatus(ref.Code), u.Status())
		return
	}
	u.set(func(s *Status) { s.State, s.Finished, s.Reboot = StateInstalled, time.Now(), reboot })
	st := u.Status()
	u.o.Log.Info("update installed", "version", st.Bundle.Version, "bytes", st.Received, "took", st.Finished.Sub(st.Started), "reboot", reboot)
	writeJSON(w, http.StatusOK, st)
	if !reboot {
		return
	}
	http.NewResponseController(w).Flush()
	// The answer has left this process, not the machine: a reboot at once took the network
	// down before it got through QEMU's slow emulated USB network (the sender saw EOF).
	time.Sleep(u.o.RebootDelay)
	if err := u.o.Engine.Reboot(); err != nil {
		u.o.Log.Error("update installed, but the reboot failed: reboot by hand", "err", err)
	}
}

// install receives the body into a file, checks and installs it.
func (u *Updater) install(r *http.Request, w http.ResponseWriter) error {
	if u.o.Engine == nil {
		return refuse(CodeNoEngine, "this system has no update engine: installing needs the rauc program and /etc/rauc/system.conf (A/B root slots), which picam's SD-card images do not have yet", nil)
	}
	size := r.ContentLength
	if size < 0 {
		return refuse(CodeNoLength, "send the bundle with a Content-Length (curl --data-binary @FILE, or picam-client update)", nil)
	}
	if size > u.o.MaxSize {
		return refuse(CodeTooLarge, fmt.Sprintf("the bundle is %d bytes, more than the %d bytes taken", size, u.o.MaxSize), nil)
	}
	free, err := u.o.freeSpace(u.o.Dir)
	if err != nil {
		return refuse(CodeNoSpace, "cannot tell the free space in "+u.o.Dir, err)
	}
	if size+u.o.Reserve > free {
		return refuse(CodeNoSpace, fmt.Sprintf("the bundle is %d bytes, %s has %d bytes free (%d kept free)", size, u.o.Dir, free, u.o.Reserve), nil)
	}
	// The server's read deadline is for small requests; an upload gets its own.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(u.o.UploadTimeout))
	_ = rc.SetWriteDeadline(time.Now().Add(u.o.UploadTimeout + u.o.CheckTimeout + u.o.InstallTime))

	f, err := os.CreateTemp(u.o.Dir, "picam-update-*.raucb")
	if err != nil {
		return refuse(CodeNoSpace, "cannot create the upload file in "+u.o.Dir, err)
	}
	path := f.Name()
	defer os.Remove(path)
	n, err := u.receive(f, io.LimitReader(r.Body, size+1))
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return refuse(CodeNoSpace, fmt.Sprintf("%s filled up after %d bytes", u.o.Dir, n), err)
	case err != nil:
		return refuse(CodeTruncated, fmt.Sprintf("the upload ended after %d of %d bytes", n, size), err)
	case n != size:
		return refuse(CodeTruncated, fmt.Sprintf("the upload has %d bytes, its Content-Length says %d", n, size), nil)
	}

	// Neither the check nor the install is cut short by the sender going away.
	ctx := context.WithoutCancel(r.Context())
	u.set(func(s *Status) { s.State = StateChecking })
	cctx, cancel := context.WithTimeout(ctx, u.o.CheckTimeout)
	b, err := u.o.Engine.Check(cctx, path)
	cancel()
	if err != nil {
		return asRefusal(err, CodeInvalid, "the bundle did not pass the check")
	}
	u.set(func(s *Status) { s.State, s.Bundle = StateInstalling, &b })
	u.o.Log.Info("installing update", "version", b.Version, "compatible", b.Compatible, "bytes", n)
	ictx, cancel := context.WithTimeout(ctx, u.o.InstallTime)
	defer cancel()
	err = u.o.Engine.Install(ictx, path, func(msg string) { u.set(func(s *Status) { s.Progress = msg }) })
	if err != nil {
		return asRefusal(err, CodeInstallFailed, "the engine failed to install the bundle; the running slot is unchanged and stays the one booted")
	}
	return nil
}

// receive copies the body to f in 64 KiB pieces, counting what has arrived in the status.
func (u *Updater) receive(f *os.File, body io.Reader) (int64, error) {
	buf := make([]byte, 64<<10)
	var n int64
	for {
		k, rerr := body.Read(buf)
		if k > 0 {
			if _, err := f.Write(buf[:k]); err != nil {
				return n, err
			}
			n += int64(k)
			u.set(func(s *Status) { s.Received = n })
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

func freeSpace(dir string) (int64, error) {
	var s syscall.Statfs_t
	if err := syscall.Statfs(dir, &s); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", dir, err)
	}
	return int64(s.Bavail) * int64(s.Bsize), nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own types, which always marshal
	}
	b = append(b, '\n')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(code)
	w.Write(b)
}

// ForSystem is the Updater of this system: RAUC with /etc/rauc/system.conf where the image has
// them (the SD-card image), else one that refuses every update with CodeNoEngine.
func ForSystem(log *slog.Logger) *Updater {
	o := Options{Log: log, RebootDelay: 3 * time.Second}
	if e, err := NewRAUC(SystemConf); err == nil {
		o.Engine = e
		log.Info("updates: POST /api/update installs RAUC bundles", "compatible", e.Compatible)
		if s := SystemSlots(); s != nil {
			log.Info("updates: root slots", "booted", s.Booted, "primary", s.Primary, "trial", s.Trial)
			if s.Rollback != "" {
				log.Warn("updates: the last update was rolled back", "reason", s.Rollback)
			}
		}
	} else {
		log.Debug("updates: none on this system", "err", err)
	}
	return New(o)
}
