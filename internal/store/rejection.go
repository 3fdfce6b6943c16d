package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Rejection is a write (or an input) Salesforce or the rules refused, kept
// for operators: one per account and field.
type Rejection struct {
	AccountID, Field, Code, Message string
	Tags, Status                    *string // the values that were refused
	FirstSeen, LastSeen             time.Time
	// Inputs is a fingerprint of the inputs the refused values were
	// computed from; "" for a rejection the engine decided itself (bad
	// input, a value the field or the record type cannot hold), which it
	// decides again at every evaluation.
	Inputs string
}

const rejectionColumns = `account_id, field, code, message, tags, status, first_seen, last_seen, inputs`

// RejectWrites records permanent refusals in one transaction: each
// account's outbox entry is dropped, and its rejection for the field is
// upserted. An existing rejection keeps its FirstSeen; everything else is
// replaced. Zero FirstSeen and LastSeen are taken from db.Now.
func (db *DB) RejectWrites(ctx context.Context, r []Rejection) error {
	if len(r) == 0 {
		return nil
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("reject writes: %w", err)
	}
	defer tx.Rollback()
	if err := rejectWrites(ctx, tx, r, db.Now(), true); err != nil {
		return fmt.Errorf("reject writes: %w", err)
	}
	return commit(tx)
}

// rejectWrites upserts rs; dequeue also drops each account's outbox entry.
func rejectWrites(ctx context.Context, tx *sql.Tx, rs []Rejection, now time.Time, dequeue bool) error {
	del, err := tx.PrepareContext(ctx, `DELETE FROM outbox WHERE account_id = ? AND ?`)
	if err != nil {
		return err
	}
	defer del.Close()
	ups, err := tx.PrepareContext(ctx, `INSERT INTO rejections (`+rejectionColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id, field) DO UPDATE SET
			code = excluded.code, message = excluded.message,
			tags = excluded.tags, status = excluded.status, last_seen = excluded.last_seen,
			inputs = excluded.inputs`)
	if err != nil {
		return err
	}
	defer ups.Close()
	for _, r := range rs {
		first, last := r.FirstSeen, r.LastSeen
		if last.IsZero() {
			last = now
		}
		if first.IsZero() {
			first = last
		}
		ts, err := timeArgs(first, last)
		if err != nil {
			return fmt.Errorf("account %s: %w", r.AccountID, err)
		}
		if _, err := del.ExecContext(ctx, r.AccountID, dequeue); err != nil {
			return fmt.Errorf("account %s: outbox: %w", r.AccountID, err)
		}
		if _, err := ups.ExecContext(ctx, r.AccountID, r.Field, r.Code, r.Message,
			encStr(r.Tags), encStr(r.Status), ts[0], ts[1], r.Inputs); err != nil {
			return fmt.Errorf("account %s: %w", r.AccountID, err)
		}
	}
	return nil
}

// Rejections returns up to limit rejections, the most recently seen first.
// limit <= 0 means no limit.
func (db *DB) Rejections(ctx context.Context, limit int) ([]Rejection, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("rejections: %w", err)
	}
	defer tx.Rollback()
	out, err := queryRejections(ctx, tx, `SELECT `+rejectionColumns+` FROM rejections
		ORDER BY last_seen DESC, account_id, field LIMIT ?`, sqlLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("rejections: %w", err)
	}
	return out, nil
}

// AccountRejections returns the account's rejections, by field.
func (db *DB) AccountRejections(ctx context.Context, id string) ([]Rejection, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("rejections of %s: %w", id, err)
	}
	defer tx.Rollback()
	out, err := queryRejections(ctx, tx, `SELECT `+rejectionColumns+` FROM rejections
		WHERE account_id = ? ORDER BY field`, id)
	if err != nil {
		return nil, fmt.Errorf("rejections of %s: %w", id, err)
	}
	return out, nil
}

// RejectionCounts returns how many rejections the store holds per error
// code.
func (db *DB) RejectionCounts(ctx context.Context) (map[string]int, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("rejection counts: %w", err)
	}
	defer tx.Rollback()
	m, err := countBy(ctx, tx, `SELECT code, count(*) FROM rejections GROUP BY code`)
	if err != nil {
		return nil, fmt.Errorf("rejection counts: %w", err)
	}
	return m, nil
}

func queryRejections(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]Rejection, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Rejection
	for rows.Next() {
		var (
			r            Rejection
			tags, status sql.NullString
			first, last  int64
		)
		if err := rows.Scan(&r.AccountID, &r.Field, &r.Code, &r.Message, &tags, &status, &first, &last, &r.Inputs); err != nil {
			return nil, err
		}
		r.Tags, r.Status = decStr(tags), decStr(status)
		r.FirstSeen, r.LastSeen = decTime(first), decTime(last)
		out = append(out, r)
	}
	return out, rows.Err()
}
