package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/lifecycled/lifecycled/internal/store"
)

// stateDirMode is the mode of a state directory lifecycled creates: the
// state file holds the refresh token and the accounts' data.
const stateDirMode = 0o700

// errNoState reports a state file that does not exist yet. The read-only
// commands (status, report, history) wrap it.
var errNoState = errors.New("no state yet")

// ensureStateDir makes sure the directory of the state file at path exists,
// for the commands that write state (run, sync, and every command with the
// refresh_token flow). A missing directory whose parent exists is created,
// mode 0700, and logged; a deeper tree is not, so that a misspelt path
// fails here instead of growing directories elsewhere, and the error says
// what to create. A path that is a directory is refused with the file name
// to use instead.
func ensureStateDir(path string, logger *slog.Logger) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("state.path %s is a directory; name the state file in it, e.g. %s",
			path, filepath.Join(path, "lifecycled.db"))
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case err == nil && fi.IsDir():
		return nil
	case err == nil:
		return fmt.Errorf("state.path %s: %s is not a directory", path, dir)
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("state.path %s: %w", path, err)
	}
	parent := filepath.Dir(dir)
	if _, err := os.Stat(parent); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("state.path %s: directory %s does not exist, nor does %s; create it (mkdir -p %s) or change state.path",
			path, dir, parent, dir)
	}
	if err := os.Mkdir(dir, stateDirMode); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("state.path %s: create directory %s: %w", path, dir, err)
	}
	if logger != nil {
		logger.Info("created the state directory", "path", dir, "mode", fmt.Sprintf("%#o", stateDirMode))
	}
	return nil
}

// openStateFile opens the state file at path for writing, creating its
// directory as ensureStateDir does. Its errors name the state.path key,
// except a *store.LockedError, which names the file and its holder.
func openStateFile(path string, logger *slog.Logger) (*store.DB, error) {
	if err := ensureStateDir(path, logger); err != nil {
		return nil, err
	}
	db := store.New(path)
	if err := db.Open(); err != nil {
		if errors.Is(err, store.ErrLocked) {
			return nil, err
		}
		return nil, fmt.Errorf("state.path: %w", err)
	}
	return db, nil
}

// openStateReadOnly opens the state file at path for reading, beside a
// running daemon. A state file that does not exist yet (no sync has run)
// is an error wrapping errNoState that names the commands that create it.
func openStateReadOnly(path string) (*store.DB, error) {
	db := store.New(path)
	err := db.OpenReadOnly()
	switch {
	case err == nil:
		return db, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%w: state.path %s does not exist; 'lifecycled sync' (one cycle) or 'lifecycled run' (the daemon) creates it",
			errNoState, path)
	}
	return nil, fmt.Errorf("state.path: %w", err)
}
