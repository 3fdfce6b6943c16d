package store

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// LockedError reports that another lifecycled holds the state file. It wraps
// ErrLocked.
type LockedError struct {
	Path string // the state file
	PID  int    // the holder's process id, 0 when unknown
}

// Error names the file and, when known, the holder's pid.
func (e *LockedError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("state file %s is in use by another lifecycled (pid %d)", e.Path, e.PID)
	}
	return fmt.Sprintf("state file %s is in use by another lifecycled", e.Path)
}

// Unwrap returns ErrLocked.
func (e *LockedError) Unwrap() error { return ErrLocked }

// acquireLock takes the exclusive lock on dbPath+".lock" without waiting and
// writes this process's pid in it. The returned file holds the lock until it
// is closed; the kernel releases it when the process dies.
func acquireLock(dbPath string) (*os.File, error) {
	name := dbPath + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	held, err := tryLock(f)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	if !held {
		pid := readPID(f)
		_ = f.Close()
		return nil, &LockedError{Path: dbPath, PID: pid}
	}
	if err := writePID(f, os.Getpid()); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("write lock file %s: %w", name, err)
	}
	return f, nil
}

// readPID returns the pid written in the lock file, or 0.
func readPID(f *os.File) int {
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 32))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

func writePID(f *os.File, pid int) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(pid)+"\n"), 0)
	return err
}
