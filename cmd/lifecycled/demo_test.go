package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/internal/store"
)

// TestDemoCycles runs the README's main command, `demo --cycles N`: it must
// exit 0 after N cycles, and the status counts it prints last must be the
// state file's.
func TestDemoCycles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	state := filepath.Join(t.TempDir(), "demo", "state.db")
	r := runBinary(t, nil, nil, "demo", "--cycles", "2", "--accounts", "500", "--interval", "10ms",
		"--listen", "127.0.0.1:0", "--state", state)
	if r.code != 0 {
		t.Fatalf("demo: exit %d\n%s", r.code, r.stderr)
	}
	cycles := regexp.MustCompile(`(?m)^cycle (\d+), \S+ \((full|incremental), ok\)`).FindAllStringSubmatch(r.stdout, -1)
	if len(cycles) != 2 || cycles[0][2] != "full" {
		t.Fatalf("cycle lines %v, want two ok cycles, the first full:\n%s", cycles, r.stdout)
	}

	db := store.New(state)
	if err := db.OpenReadOnly(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	counts, err := db.StatusCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	last := r.stdout[strings.LastIndex(r.stdout, "Account Lifecycle Status"):]
	total := 0
	for status, n := range counts {
		name := status
		if name == "" {
			name = "(none: not paying or no start date)"
		}
		if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(name) + `\s+` + fmt.Sprint(n) + `\s*$`).MatchString(last) {
			t.Errorf("the last table does not show %q = %d:\n%s", name, n, last)
		}
		total += n
	}
	if total != 500 {
		t.Fatalf("the state holds %d accounts, want 500", total)
	}
}

// TestDemoRemovesItsState: without --state the demo keeps its state in a
// temporary directory that is gone once it exits, whether after --cycles or
// on a signal; with --state the file stays.
func TestDemoRemovesItsState(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	stateOf := func(t *testing.T, stdout string) string {
		t.Helper()
		m := regexp.MustCompile(`state in (\S+) \(removed on exit`).FindStringSubmatch(stdout)
		if m == nil {
			t.Fatalf("the demo does not say where its state is and that it goes:\n%s", stdout)
		}
		return m[1]
	}
	// tmpdirEmpty fails the test unless the demo left nothing in tmp.
	tmpdirEmpty := func(t *testing.T, tmp, state string) {
		t.Helper()
		if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the demo's state %s is still there after exit (stat: %v)", state, err)
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Errorf("the demo left %d entries in TMPDIR, first %s", len(left), left[0].Name())
		}
	}

	t.Run("AfterCycles", func(t *testing.T) {
		tmp := t.TempDir()
		r := runBinary(t, []string{"TMPDIR=" + tmp}, nil, "demo", "--cycles", "1", "--accounts", "50",
			"--listen", "127.0.0.1:0")
		if r.code != 0 {
			t.Fatalf("demo: exit %d\n%s", r.code, r.stderr)
		}
		state := stateOf(t, r.stdout)
		if !strings.HasPrefix(state, tmp) {
			t.Fatalf("state %s is not under TMPDIR %s", state, tmp)
		}
		tmpdirEmpty(t, tmp, state)
	})

	t.Run("OnSignal", func(t *testing.T) {
		tmp := t.TempDir()
		var out logBuffer
		p := startBinary(t, []string{"TMPDIR=" + tmp}, &out, &out, "demo", "--accounts", "50",
			"--interval", "1h", "--listen", "127.0.0.1:0", "--log-format", "json")
		p.await(t, "the first cycle's counts", time.Minute, func() bool {
			return strings.Contains(out.String(), "Account Lifecycle Status")
		})
		state := stateOf(t, out.String())
		if _, err := os.Stat(state); err != nil {
			t.Fatalf("the running demo's state: %v", err)
		}
		p.stop(t, syscall.SIGINT)
		tmpdirEmpty(t, tmp, state)
	})

	t.Run("KeptWithState", func(t *testing.T) {
		state := filepath.Join(t.TempDir(), "kept.db")
		r := runBinary(t, nil, nil, "demo", "--cycles", "1", "--accounts", "50", "--listen", "127.0.0.1:0", "--state", state)
		if r.code != 0 {
			t.Fatalf("demo: exit %d\n%s", r.code, r.stderr)
		}
		if strings.Contains(r.stdout, "removed on exit") {
			t.Errorf("the demo says it removes a --state file:\n%s", r.stdout)
		}
		if _, err := os.Stat(state); err != nil {
			t.Errorf("--state %s after the demo: %v", state, err)
		}
	})
}
