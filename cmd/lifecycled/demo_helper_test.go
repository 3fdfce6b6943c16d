package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/internal/store"
)

// runningDemo is `lifecycled demo` running in the background with its HTTP
// endpoint, and its state file opened read-only.
type runningDemo struct {
	*process
	base string // http://127.0.0.1:PORT
	db   *store.DB
	log  string // its stdout and stderr
}

// logFile names the file a process writes to, for failure messages.
type logFile string

func (f logFile) String() string { return "(output in " + string(f) + ")" }

// startDemo starts the demo (2,000 accounts, a cycle every 2s, one simulated
// day a cycle), waits until /readyz says ready and three daily snapshots
// exist, and kills it at the end of the test unless stop ran.
func startDemo(t *testing.T, logDir string) *runningDemo {
	t.Helper()
	statePath := filepath.Join(t.TempDir(), "state.db")
	addr := freeAddr(t)
	d := &runningDemo{base: "http://" + addr, log: filepath.Join(logDir, "demo.log")}
	out, err := os.Create(d.log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	d.process = startBinary(t, nil, out, logFile(d.log), "demo", "--listen", addr, "--state", statePath,
		"--interval", "2s", "--accounts", "2000", "--log-format", "json")
	d.await(t, "the demo to be ready with 3 daily snapshots", 3*time.Minute, func() bool {
		code, _ := httpGet(addr, "/readyz")
		return code == http.StatusOK && len(snapshotsOf(statePath)) >= 3
	})
	d.db = store.New(statePath)
	if err := d.db.OpenReadOnly(); err != nil {
		t.Fatalf("open the demo's state read-only: %v", err)
	}
	t.Cleanup(func() { d.db.Close() })
	return d
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
