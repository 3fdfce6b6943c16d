package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// metaBulkJob is the meta key that names the bulk job in flight.
const metaBulkJob = "bulk_job"

// BeginJob commits a Bulk API 2.0 ingest job before its data is sent: the
// due entries (as DueOutbox, at most limit; limit <= 0: all) are given the
// job, and the job is recorded as the one in flight, in one transaction. It
// returns how many entries the job carries. A restart finds the job with
// JobInFlight and polls it instead of writing the records again.
func (db *DB) BeginJob(ctx context.Context, job string, now time.Time, limit int) (int, error) {
	at, err := encTime(now)
	if err != nil {
		return 0, fmt.Errorf("begin job: %w", err)
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return 0, fmt.Errorf("begin job: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE outbox SET job = ? WHERE account_id IN (
		SELECT account_id FROM outbox WHERE next_attempt <= ? AND NOT recheck AND job IS NULL
		ORDER BY next_attempt, account_id LIMIT ?)`, job, at, sqlLimit(limit))
	if err != nil {
		return 0, fmt.Errorf("begin job: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("begin job: %w", err)
	}
	if err := setMeta(ctx, tx, metaBulkJob, job); err != nil {
		return 0, fmt.Errorf("begin job: %w", err)
	}
	return int(n), commit(tx)
}

// JobInFlight returns the bulk job BeginJob recorded and EndJob has not
// ended, or "".
func (db *DB) JobInFlight(ctx context.Context) (string, error) {
	return db.Meta(ctx, metaBulkJob)
}

// JobEntries returns the outbox entries job carries, by account id.
func (db *DB) JobEntries(ctx context.Context, job string) ([]OutboxEntry, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("job entries: %w", err)
	}
	defer tx.Rollback()
	out, err := queryOutbox(ctx, tx, `SELECT `+outboxColumns+` FROM outbox WHERE job = ? ORDER BY account_id`, job)
	if err != nil {
		return nil, fmt.Errorf("job entries: %w", err)
	}
	return out, nil
}

// EndJob ends the job in flight: entries it still carries (Settle did not
// record them) wait for a pull to read their records, and the job is no
// longer in flight.
func (db *DB) EndJob(ctx context.Context, job string) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("end job: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE outbox SET job = NULL, recheck = 1 WHERE job = ?`, job); err != nil {
		return fmt.Errorf("end job: %w", err)
	}
	if err := setMeta(ctx, tx, metaBulkJob, ""); err != nil {
		return fmt.Errorf("end job: %w", err)
	}
	return commit(tx)
}

// EachJobEntry calls fn with the outbox entries job carries, by account
// id, reading chunk entries at a time (chunk <= 0: 10,000).
func (db *DB) EachJobEntry(ctx context.Context, job string, chunk int, fn func(OutboxEntry) error) error {
	if chunk <= 0 {
		chunk = 10000
	}
	after := ""
	for {
		tx, err := db.beginRead(ctx)
		if err != nil {
			return fmt.Errorf("job entries: %w", err)
		}
		out, err := queryOutbox(ctx, tx, `SELECT `+outboxColumns+` FROM outbox WHERE job = ? AND account_id > ?
			ORDER BY account_id LIMIT ?`, job, after, chunk)
		tx.Rollback()
		if err != nil {
			return fmt.Errorf("job entries: %w", err)
		}
		for _, o := range out {
			if err := fn(o); err != nil {
				return err
			}
		}
		if len(out) < chunk {
			return nil
		}
		after = out[len(out)-1].AccountID
	}
}

// JobEntriesOf returns the outbox entries among ids that job still carries,
// by account id.
func (db *DB) JobEntriesOf(ctx context.Context, job string, ids []string) (map[string]OutboxEntry, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("job entries: %w", err)
	}
	defer tx.Rollback()
	raw, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("job entries: %w", err)
	}
	out, err := queryOutbox(ctx, tx, `SELECT `+outboxColumns+` FROM outbox
		WHERE job = ? AND account_id IN (SELECT value FROM json_each(?))`, job, string(raw))
	if err != nil {
		return nil, fmt.Errorf("job entries: %w", err)
	}
	m := make(map[string]OutboxEntry, len(out))
	for _, o := range out {
		m[o.AccountID] = o
	}
	return m, nil
}
