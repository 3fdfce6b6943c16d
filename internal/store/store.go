// Package store keeps lifecycled's state in a SQLite file: the accounts as
// last pulled and computed, the outbox of pending writes, rejections, runs,
// status history and daily snapshots.
//
// The store does not drive: it persists, atomically, what the engine decides.
// One daemon owns a file at a time (Open takes an exclusive lock); commands
// that only read (status, report, history) use OpenReadOnly beside it.
//
// Public methods each run in one transaction: they begin it, defer Rollback,
// call unexported helpers that take the *sql.Tx, and commit. Writes go
// through a single connection that begins transactions IMMEDIATE, so two
// writers in one process queue instead of failing with SQLITE_BUSY; reads go
// through a pool of read-only connections and, in WAL mode, never wait for
// the writer.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

// Sentinel errors.
var (
	// ErrLocked reports that another process (or another DB in this one)
	// holds the state file. Open returns a *LockedError that wraps it.
	ErrLocked = errors.New("state file is locked")
	// ErrNotFound reports that the account, run or entry asked for does not
	// exist.
	ErrNotFound = errors.New("not found")
	// ErrReadOnly reports a write through a DB opened with OpenReadOnly.
	ErrReadOnly = errors.New("store is read-only")
	// ErrNotOpen reports a call before Open or after Close.
	ErrNotOpen = errors.New("store is not open")
)

// DefaultBusyTimeout is how long a connection waits for a lock held by
// another connection before it fails with SQLITE_BUSY.
const DefaultBusyTimeout = 5 * time.Second

// readConns bounds the read-only connection pool.
const readConns = 4

// DB is the state file. Create it with New, then Open or OpenReadOnly.
type DB struct {
	// Path is the SQLite file. Open creates it (mode 0600: it holds a
	// refresh token) and a lock file beside it, Path+".lock".
	Path string
	// Now is the clock for times the store fills in itself (run start,
	// rejection first and last seen when left zero).
	Now func() time.Time

	mu       sync.Mutex
	w        *sql.DB  // the one writer connection; nil when read-only
	r        *sql.DB  // read-only connections
	lock     *os.File // held flock on Path+".lock"; nil when read-only
	readOnly bool
}

// New returns a DB for the file at path. It does no I/O.
func New(path string) *DB {
	return &DB{Path: path, Now: time.Now}
}

// Open opens the state file for the daemon: it takes an exclusive,
// non-blocking lock on Path+".lock" (released by Close, or by the kernel when
// the process dies, even by SIGKILL), creates the file with mode 0600 if
// needed, and runs the migrations the file lacks. A second Open of the same
// file, from any process or from this one, fails with a *LockedError
// wrapping ErrLocked; other errors start "open state file PATH: ". The
// file's directory must exist. Runs left "running" by a process that died
// are marked "interrupted".
func (db *DB) Open() (err error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	abs, err := db.prepare()
	if err != nil {
		return err
	}

	lock, err := acquireLock(db.Path)
	if err != nil {
		if errors.Is(err, ErrLocked) {
			return err
		}
		return fmt.Errorf("open state file %s: %w", db.Path, err)
	}
	defer func() {
		if err != nil {
			_ = lock.Close()
		}
	}()

	if err := createPrivate(db.Path); err != nil {
		return fmt.Errorf("open state file %s: %w", db.Path, err)
	}

	w, err := sql.Open("sqlite3", dsn(abs, false))
	if err != nil {
		return fmt.Errorf("open state file %s: %w", db.Path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	defer func() {
		if err != nil {
			_ = w.Close()
		}
	}()
	ctx := context.Background()
	if err := w.PingContext(ctx); err != nil {
		return fmt.Errorf("open state file %s: %w", db.Path, err)
	}
	if err := migrate(ctx, w); err != nil {
		return fmt.Errorf("open state file %s: %w", db.Path, err)
	}
	if err := interruptRuns(ctx, w); err != nil {
		return fmt.Errorf("open state file %s: %w", db.Path, err)
	}
	// SQLite creates -wal and -shm with the database file's mode; make sure
	// files left by an older version are private too.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Chmod(db.Path+suffix, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("open state file %s: %w", db.Path, err)
		}
	}

	r, err := openReader(ctx, abs)
	if err != nil {
		return fmt.Errorf("open state file %s: %w", db.Path, err)
	}
	db.w, db.r, db.lock, db.readOnly = w, r, lock, false
	return nil
}

// prepare checks that db can be opened, sets the clock default and returns
// the file's absolute path. The caller holds db.mu.
func (db *DB) prepare() (string, error) {
	if db.r != nil {
		return "", fmt.Errorf("open %s: already open", db.Path)
	}
	if db.Path == "" {
		return "", errors.New("open state file: empty path")
	}
	if db.Now == nil {
		db.Now = time.Now
	}
	abs, err := filepath.Abs(db.Path)
	if err != nil {
		return "", fmt.Errorf("open state file %s: %w", db.Path, err)
	}
	return abs, nil
}

// OpenReadOnly opens an existing state file for reading only, without the
// lock, so status and report commands can run beside the daemon. It runs no
// migrations; a file the daemon has not yet initialised is an error, and a
// file that does not exist is an error wrapping fs.ErrNotExist. Every write
// method returns ErrReadOnly.
func (db *DB) OpenReadOnly() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	abs, err := db.prepare()
	if err != nil {
		return err
	}
	if _, err := os.Stat(db.Path); err != nil {
		// The *PathError repeats the path; keep its cause only. A missing
		// file wraps fs.ErrNotExist: the daemon has not created it yet.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("open state file %s: %w", db.Path, err)
	}
	ctx := context.Background()
	r, err := openReader(ctx, abs)
	if err != nil {
		return fmt.Errorf("open state file %s: %w", db.Path, err)
	}
	if err := checkMigrated(ctx, r); err != nil {
		_ = r.Close()
		return fmt.Errorf("open state file %s: %w", db.Path, err)
	}
	db.r, db.readOnly = r, true
	return nil
}

// Close closes the file and releases the lock. It is idempotent and safe
// before Open.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	var errs []error
	if db.r != nil {
		errs = append(errs, db.r.Close())
	}
	if db.w != nil {
		// Closing the last connection checkpoints the WAL into the file.
		errs = append(errs, db.w.Close())
	}
	if db.lock != nil {
		errs = append(errs, db.lock.Close())
	}
	db.r, db.w, db.lock, db.readOnly = nil, nil, nil, false
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close state file %s: %w", db.Path, err)
	}
	return nil
}

// Ping checks that the store is open and the file answers a query.
func (db *DB) Ping(ctx context.Context) error {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM migrations`).Scan(&n); err != nil {
		return fmt.Errorf("ping state file: %w", err)
	}
	return nil
}

// beginWrite begins an IMMEDIATE transaction on the writer connection.
func (db *DB) beginWrite(ctx context.Context) (*sql.Tx, error) {
	db.mu.Lock()
	w, readOnly := db.w, db.readOnly
	db.mu.Unlock()
	switch {
	case readOnly:
		return nil, ErrReadOnly
	case w == nil:
		return nil, ErrNotOpen
	}
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return tx, nil
}

// beginRead begins a transaction on a read-only connection.
func (db *DB) beginRead(ctx context.Context) (*sql.Tx, error) {
	db.mu.Lock()
	r := db.r
	db.mu.Unlock()
	if r == nil {
		return nil, ErrNotOpen
	}
	tx, err := r.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return tx, nil
}

// commit commits tx, naming what failed.
func commit(tx *sql.Tx) error {
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// createPrivate creates path with mode 0600 if it does not exist, and makes
// an existing file private.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("create state file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("create state file: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return fmt.Errorf("create state file: %w", err)
	}
	return nil
}

// openReader opens the pool of read-only connections.
func openReader(ctx context.Context, abs string) (*sql.DB, error) {
	r, err := sql.Open("sqlite3", dsn(abs, true))
	if err != nil {
		return nil, err
	}
	r.SetMaxOpenConns(readConns)
	r.SetMaxIdleConns(readConns)
	if err := r.PingContext(ctx); err != nil {
		_ = r.Close()
		return nil, err
	}
	return r, nil
}

// dsn returns the go-sqlite3 data source name for the file at abs: a SQLite
// URI (https://www.sqlite.org/uri.html) whose path is escaped so that '?',
// '#' and '%' in a file name cannot be taken for URI syntax.
func dsn(abs string, readOnly bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(DefaultBusyTimeout.Milliseconds()))
	q.Set("_foreign_keys", "on")
	if readOnly {
		q.Set("mode", "ro")
	} else {
		q.Set("_journal_mode", "WAL")
		q.Set("_synchronous", "NORMAL")
		q.Set("_txlock", "immediate")
	}
	u := url.URL{Path: filepath.ToSlash(abs)}
	return "file:" + u.EscapedPath() + "?" + q.Encode()
}
