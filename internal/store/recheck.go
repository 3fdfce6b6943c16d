package store

import (
	"context"
	"fmt"
	"time"
)

// MarkSending flags the entries of ids for recheck before their write is
// sent, in one transaction: if the process dies before the outcome is
// recorded, the next pull reads those records before they may be written
// again, so a write that landed is never sent twice. Settle clears the flag
// of every entry it records.
func (db *DB) MarkSending(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("mark sending: %w", err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `UPDATE outbox SET recheck = 1 WHERE account_id = ?`)
	if err != nil {
		return fmt.Errorf("mark sending: %w", err)
	}
	defer st.Close()
	for _, id := range ids {
		if _, err := st.ExecContext(ctx, id); err != nil {
			return fmt.Errorf("mark sending: account %s: %w", id, err)
		}
	}
	return commit(tx)
}

// Recheck returns up to limit account ids whose outbox entries wait for a
// pull to read their records (limit <= 0: all), and how many there are.
func (db *DB) Recheck(ctx context.Context, limit int) ([]string, int, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("recheck: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE recheck AND job IS NULL`).Scan(&n); err != nil {
		return nil, 0, fmt.Errorf("recheck: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT account_id FROM outbox WHERE recheck AND job IS NULL
		ORDER BY account_id LIMIT ?`, sqlLimit(limit))
	if err != nil {
		return nil, 0, fmt.Errorf("recheck: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, 0, fmt.Errorf("recheck: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, n, rows.Err()
}

// ClearRecheck clears the recheck flag of every entry: a pull that read
// every changed record (without leaving out lifecycled's own writes) has
// seen them all.
func (db *DB) ClearRecheck(ctx context.Context) error {
	return db.exec(ctx, "clear recheck", `UPDATE outbox SET recheck = 0 WHERE recheck AND job IS NULL`)
}

// CountDue returns how many entries DueOutbox would return for now.
func (db *DB) CountDue(ctx context.Context, now time.Time) (int, error) {
	at, err := encTime(now)
	if err != nil {
		return 0, fmt.Errorf("count due: %w", err)
	}
	tx, err := db.beginRead(ctx)
	if err != nil {
		return 0, fmt.Errorf("count due: %w", err)
	}
	defer tx.Rollback()
	var n int
	err = tx.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE next_attempt <= ? AND NOT recheck AND job IS NULL`, at).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count due: %w", err)
	}
	return n, nil
}

// exec runs one statement in its own write transaction.
func (db *DB) exec(ctx context.Context, what, q string, args ...any) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return commit(tx)
}
