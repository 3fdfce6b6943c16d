package store_test

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifecycled/lifecycled/internal/store"
)

// TestOpenErrors: a missing file or directory is reported once, naming the
// file, and a missing file read-only wraps fs.ErrNotExist so that commands
// can say no state exists yet.
func TestOpenErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "state.db")

	err := store.New(path).OpenReadOnly()
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("OpenReadOnly of a missing file: err = %v, want fs.ErrNotExist", err)
	}
	if want := "open state file " + path + ": "; !strings.HasPrefix(err.Error(), want) || strings.Count(err.Error(), path) != 1 {
		t.Errorf("OpenReadOnly: err = %q, want it to start %q and name the path once", err, want)
	}

	err = store.New(path).Open()
	if err == nil || errors.Is(err, store.ErrLocked) {
		t.Fatalf("Open in a missing directory: err = %v", err)
	}
	if want := "open state file " + path + ": "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Open: err = %q, want it to start %q", err, want)
	}
}
