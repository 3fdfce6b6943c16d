package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

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
