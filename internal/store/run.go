package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Run outcomes the store itself writes or reads. The engine records its own
// outcomes; LastSuccess counts OutcomeOK and OutcomePartial as success.
const (
	OutcomeRunning     = "running"     // StartRun: the cycle has not finished
	OutcomeInterrupted = "interrupted" // Open: the process died during the cycle
	OutcomeOK          = "ok"          // every step done
	OutcomePartial     = "partial"     // done, with writes left for later
)

// Run is one reconcile cycle and its figures.
type Run struct {
	ID                                         int64
	Kind                                       string // "full" or "incremental"
	Started, Ended                             time.Time
	AsOf                                       string
	Pulled, Computed, Changed, Written, Failed int
	Rejected, Drift, Deleted, APICalls         int
	Outcome, Error                             string
}

const runColumns = `id, kind, started, ended, as_of, pulled, computed, changed, written, failed,
	rejected, drift, deleted, api_calls, outcome, error`

// StartRun records a new run of the given kind, started now (db.Now) with
// outcome "running", and returns it with its ID.
func (db *DB) StartRun(ctx context.Context, kind string) (Run, error) {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return Run{}, fmt.Errorf("start run: %w", err)
	}
	defer tx.Rollback()
	r := Run{Kind: kind, Started: db.Now().UTC(), Outcome: OutcomeRunning}
	if r.ID, err = insertRun(ctx, tx, &r); err != nil {
		return Run{}, fmt.Errorf("start run: %w", err)
	}
	if err := commit(tx); err != nil {
		return Run{}, fmt.Errorf("start run: %w", err)
	}
	return r, nil
}

// FinishRun stores every field of r over the run with r.ID, or returns an
// error wrapping ErrNotFound.
func (db *DB) FinishRun(ctx context.Context, r Run) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("finish run %d: %w", r.ID, err)
	}
	defer tx.Rollback()
	if err := updateRun(ctx, tx, &r); err != nil {
		return fmt.Errorf("finish run %d: %w", r.ID, err)
	}
	return commit(tx)
}

// Runs returns up to limit runs, newest first. limit <= 0 means no limit.
func (db *DB) Runs(ctx context.Context, limit int) ([]Run, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("runs: %w", err)
	}
	defer tx.Rollback()
	out, err := queryRuns(ctx, tx, `SELECT `+runColumns+` FROM runs ORDER BY id DESC LIMIT ?`, sqlLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("runs: %w", err)
	}
	return out, nil
}

// LastSuccess returns the newest run whose outcome is OutcomeOK or
// OutcomePartial, or an error wrapping ErrNotFound.
func (db *DB) LastSuccess(ctx context.Context) (Run, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return Run{}, fmt.Errorf("last success: %w", err)
	}
	defer tx.Rollback()
	out, err := queryRuns(ctx, tx, `SELECT `+runColumns+` FROM runs
		WHERE outcome IN (?, ?) ORDER BY id DESC LIMIT 1`, OutcomeOK, OutcomePartial)
	if err != nil {
		return Run{}, fmt.Errorf("last success: %w", err)
	}
	if len(out) == 0 {
		return Run{}, fmt.Errorf("last success: %w", ErrNotFound)
	}
	return out[0], nil
}

func runArgs(r *Run) ([]any, error) {
	ts, err := timeArgs(r.Started, r.Ended)
	if err != nil {
		return nil, err
	}
	return []any{r.Kind, ts[0], ts[1], r.AsOf, r.Pulled, r.Computed, r.Changed, r.Written, r.Failed,
		r.Rejected, r.Drift, r.Deleted, r.APICalls, r.Outcome, r.Error}, nil
}

func insertRun(ctx context.Context, tx *sql.Tx, r *Run) (int64, error) {
	args, err := runArgs(r)
	if err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO runs (kind, started, ended, as_of, pulled, computed, changed,
		written, failed, rejected, drift, deleted, api_calls, outcome, error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

func updateRun(ctx context.Context, tx *sql.Tx, r *Run) error {
	args, err := runArgs(r)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE runs SET kind = ?, started = ?, ended = ?, as_of = ?, pulled = ?,
		computed = ?, changed = ?, written = ?, failed = ?, rejected = ?, drift = ?, deleted = ?,
		api_calls = ?, outcome = ?, error = ? WHERE id = ?`, append(args, r.ID)...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// interruptRuns marks runs still "running" as interrupted (their Ended
// stays zero): Open holds the lock, so no process is running them any more.
func interruptRuns(ctx context.Context, db *sql.DB) error {
	_, err := db.ExecContext(ctx, `UPDATE runs SET outcome = ?, error = ? WHERE outcome = ?`,
		OutcomeInterrupted, "the process ended before the run finished", OutcomeRunning)
	if err != nil {
		return fmt.Errorf("mark interrupted runs: %w", err)
	}
	return nil
}

func queryRuns(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]Run, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		var (
			r              Run
			started, ended int64
		)
		if err := rows.Scan(&r.ID, &r.Kind, &started, &ended, &r.AsOf, &r.Pulled, &r.Computed, &r.Changed,
			&r.Written, &r.Failed, &r.Rejected, &r.Drift, &r.Deleted, &r.APICalls, &r.Outcome, &r.Error); err != nil {
			return nil, err
		}
		r.Started, r.Ended = decTime(started), decTime(ended)
		out = append(out, r)
	}
	return out, rows.Err()
}
