package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/internal/store"
)

// runningDemo is `lifecycled demo` running in the background with its HTTP
// endpoint, and its state file opened read-only.
type runningDemo struct {
	base    string // http://127.0.0.1:PORT
	db      *store.DB
	cmd     *exec.Cmd
	log     string        // its stdout and stderr
	exited  chan struct{} // closed when it ends
	waitErr error         // its result, once exited is closed
}

// startDemo starts the demo (2,000 accounts, a cycle every 2s, one simulated
// day a cycle), waits until /readyz says ready and three daily snapshots
// exist, and kills it at the end of the test unless stop ran.
func startDemo(t *testing.T, logDir string) *runningDemo {
	t.Helper()
	bin := mustBinary(t)
	statePath := filepath.Join(t.TempDir(), "state.db")
	addr := unusedAddr(t)
	d := &runningDemo{base: "http://" + addr, log: filepath.Join(logDir, "demo.log"), exited: make(chan struct{})}
	out, err := os.Create(d.log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	d.cmd = exec.Command(bin, "demo", "--listen", addr, "--state", statePath, "--interval", "2s",
		"--accounts", "2000", "--log-format", "json")
	d.cmd.Stdout, d.cmd.Stderr = out, out
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("start demo: %v", err)
	}
	go func() { d.waitErr = d.cmd.Wait(); close(d.exited) }()
	t.Cleanup(func() {
		select {
		case <-d.exited:
		default:
			d.cmd.Process.Kill()
			<-d.exited
		}
	})

	waitFor(t, 3*time.Minute, d.exited, "the demo to be ready with 3 daily snapshots", func() bool {
		resp, err := http.Get(d.base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK && len(snapshotsOf(statePath)) >= 3
	})
	d.db = store.New(statePath)
	if err := d.db.OpenReadOnly(); err != nil {
		t.Fatalf("open the demo's state read-only: %v", err)
	}
	t.Cleanup(func() { d.db.Close() })
	return d
}

// stop sends SIGTERM and expects a graceful exit with status 0.
func (d *runningDemo) stop(t *testing.T) {
	t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-d.exited:
		if d.waitErr != nil {
			t.Errorf("demo after SIGTERM: %v (output in %s)", d.waitErr, d.log)
		}
	case <-time.After(time.Minute):
		t.Errorf("demo still running a minute after SIGTERM (output in %s)", d.log)
	}
}

// snapshotsOf reads the snapshots of the state file at path, or none while
// the demo has not created it yet.
func snapshotsOf(path string) []store.Snapshot {
	db := store.New(path)
	if err := db.OpenReadOnly(); err != nil {
		return nil
	}
	defer db.Close()
	s, err := db.Snapshots(context.Background(), "")
	if err != nil {
		return nil
	}
	return s
}

// waitFor polls cond every 200ms until it holds, the process exits, or the
// deadline passes.
func waitFor(t *testing.T, d time.Duration, exited <-chan struct{}, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-exited:
			t.Fatalf("waiting for %s: the process exited", what)
		case <-deadline.C:
			t.Fatalf("waiting for %s: gave up after %s", what, d)
		case <-tick.C:
		}
	}
}
