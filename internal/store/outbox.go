package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// OutboxEntry is a pending write of one account's managed fields.
type OutboxEntry struct {
	AccountID              string
	Tags, Status           *string   // values to write; nil = clear the field
	WriteTags, WriteStatus bool      // which of the two fields to write
	BasedOn                time.Time // SystemModstamp of the inputs the values were computed from
	Attempts               int
	LastError              string
	NextAttempt, Created   time.Time
}

// Written is an outbox entry that Salesforce accepted: the fields written
// and their values.
type Written struct {
	AccountID              string
	Tags, Status           *string
	WroteTags, WroteStatus bool
	// Keep names the rejection fields that survive this write: the
	// rejections of a managed field that was not written (the engine
	// refused it, or the org did). Every other rejection of the account is
	// cleared.
	Keep []string
}

// Deferred is an outbox entry to try again later.
type Deferred struct {
	AccountID, Error string
	NextAttempt      time.Time
	// Paused marks an entry held back because a field it writes is paused
	// (the integration user lost access): it was not attempted, so its
	// Attempts do not grow.
	Paused bool
	// Recheck marks an entry whose write may have landed: it is not sent
	// again until a pull has read the record (see Recheck).
	Recheck bool
}

const outboxColumns = `account_id, tags, status, write_tags, write_status, based_on, attempts,
	last_error, next_attempt, created`

const upsertOutboxSQL = `INSERT INTO outbox (` + outboxColumns + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (account_id) DO UPDATE SET
		tags = excluded.tags, status = excluded.status,
		write_tags = excluded.write_tags, write_status = excluded.write_status,
		based_on = excluded.based_on, attempts = excluded.attempts, last_error = excluded.last_error,
		next_attempt = excluded.next_attempt, created = excluded.created, recheck = 0, job = NULL`

// DueOutbox returns up to limit entries whose NextAttempt is at or before
// now, ordered by NextAttempt then AccountID, leaving out entries to
// recheck and entries in a bulk job. limit <= 0 means no limit.
func (db *DB) DueOutbox(ctx context.Context, now time.Time, limit int) ([]OutboxEntry, error) {
	at, err := encTime(now)
	if err != nil {
		return nil, fmt.Errorf("due outbox: %w", err)
	}
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("due outbox: %w", err)
	}
	defer tx.Rollback()
	out, err := queryOutbox(ctx, tx, `SELECT `+outboxColumns+` FROM outbox
		WHERE next_attempt <= ? AND NOT recheck AND job IS NULL
		ORDER BY next_attempt, account_id LIMIT ?`, at, sqlLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("due outbox: %w", err)
	}
	return out, nil
}

// Outbox returns up to limit pending entries, due or not, in the order they
// fall due. limit <= 0 means no limit.
func (db *DB) Outbox(ctx context.Context, limit int) ([]OutboxEntry, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	defer tx.Rollback()
	out, err := queryOutbox(ctx, tx, `SELECT `+outboxColumns+` FROM outbox
		ORDER BY next_attempt, account_id LIMIT ?`, sqlLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return out, nil
}

// OutboxDepth returns the number of pending entries.
func (db *DB) OutboxDepth(ctx context.Context) (int, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return 0, fmt.Errorf("outbox depth: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM outbox`).Scan(&n); err != nil {
		return 0, fmt.Errorf("outbox depth: %w", err)
	}
	return n, nil
}

// CompleteWrites records accepted writes in one transaction: the account's
// CRM values become the written ones (only the fields written), its
// rejections are cleared (but those Keep names), and each field written is
// done in its outbox entry, which is dropped when no field is left — a
// field whose entry was replaced after it was read and now holds another
// value is still to be written.
func (db *DB) CompleteWrites(ctx context.Context, w []Written) error {
	if len(w) == 0 {
		return nil
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("complete writes: %w", err)
	}
	defer tx.Rollback()
	if err := completeWrites(ctx, tx, w); err != nil {
		return fmt.Errorf("complete writes: %w", err)
	}
	return commit(tx)
}

func completeWrites(ctx context.Context, tx *sql.Tx, ws []Written) error {
	// Set-based: the writes travel as one JSON array per statement, so a
	// chunk of thousands costs four statements, not four per account.
	const chunk = 5000
	for len(ws) > 0 {
		n := min(chunk, len(ws))
		if err := completeChunk(ctx, tx, ws[:n]); err != nil {
			return err
		}
		ws = ws[n:]
	}
	return nil
}

// writtenRow is one Written as completeChunk's JSON carries it.
type writtenRow struct {
	ID          string   `json:"i"`
	WroteTags   bool     `json:"wt"`
	Tags        *string  `json:"t"`
	WroteStatus bool     `json:"ws"`
	Status      *string  `json:"s"`
	Keep        []string `json:"k"`
}

// completeSQL are completeChunk's statements; ?1 is the JSON array of
// writtenRow, read through the w view.
var completeSQL = []string{
	`UPDATE outbox SET
		write_tags = write_tags AND NOT (w.wt AND tags IS w.t),
		write_status = write_status AND NOT (w.ws AND status IS w.s),
		recheck = 0, job = NULL
		FROM w WHERE outbox.account_id = w.i`,
	`DELETE FROM outbox WHERE account_id IN (SELECT i FROM w) AND NOT write_tags AND NOT write_status`,
	`UPDATE accounts SET
		desired_tags = CASE WHEN w.wt AND desired_tags IS w.t THEN char(0) ELSE desired_tags END, -- sameAsCRM
		crm_tags = CASE WHEN w.wt THEN w.t ELSE crm_tags END,
		crm_status = CASE WHEN w.ws THEN w.s ELSE crm_status END
		FROM w WHERE accounts.id = w.i`,
	`DELETE FROM rejections WHERE EXISTS (SELECT 1 FROM w WHERE w.i = rejections.account_id
		AND rejections.field NOT IN (SELECT value FROM json_each(w.k)))`,
}

// completeView turns ?1 into the rows of w.
const completeView = `WITH w(i, wt, t, ws, s, k) AS (SELECT value->>'i', value->>'wt', value->>'t', value->>'ws',
	value->>'s', value->'k' FROM json_each(?1)) `

func completeChunk(ctx context.Context, tx *sql.Tx, ws []Written) error {
	rows := make([]writtenRow, len(ws))
	for i, w := range ws {
		rows[i] = writtenRow{ID: w.AccountID, WroteTags: w.WroteTags, Tags: w.Tags,
			WroteStatus: w.WroteStatus, Status: w.Status, Keep: append([]string{}, w.Keep...)}
	}
	raw, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	for _, q := range completeSQL {
		if _, err := tx.ExecContext(ctx, completeView+q, string(raw)); err != nil {
			return fmt.Errorf("%d written records: %w", len(ws), err)
		}
	}
	return nil
}

// DeferWrites records failed attempts: each entry's Attempts grows by one
// (unless Paused), and its LastError and NextAttempt are set. Entries no longer in the outbox
// are ignored.
func (db *DB) DeferWrites(ctx context.Context, d []Deferred) error {
	if len(d) == 0 {
		return nil
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("defer writes: %w", err)
	}
	defer tx.Rollback()
	if err := deferWrites(ctx, tx, d); err != nil {
		return fmt.Errorf("defer writes: %w", err)
	}
	return commit(tx)
}

func deferWrites(ctx context.Context, tx *sql.Tx, ds []Deferred) error {
	st, err := tx.PrepareContext(ctx, `UPDATE outbox SET attempts = attempts + NOT ?, last_error = ?, next_attempt = ?,
		recheck = ?, job = NULL WHERE account_id = ?`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, d := range ds {
		at, err := encTime(d.NextAttempt)
		if err != nil {
			return fmt.Errorf("account %s: next attempt: %w", d.AccountID, err)
		}
		if _, err := st.ExecContext(ctx, d.Paused, d.Error, at, d.Recheck, d.AccountID); err != nil {
			return fmt.Errorf("account %s: %w", d.AccountID, err)
		}
	}
	return nil
}

func upsertOutbox(ctx context.Context, st *sql.Stmt, o *OutboxEntry) error {
	ts, err := timeArgs(o.BasedOn, o.NextAttempt, o.Created)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, o.AccountID, encStr(o.Tags), encStr(o.Status),
		boolInt(o.WriteTags), boolInt(o.WriteStatus), ts[0], o.Attempts, o.LastError, ts[1], ts[2])
	return err
}

func queryOutbox(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]OutboxEntry, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OutboxEntry
	for rows.Next() {
		var (
			o                 OutboxEntry
			tags, status      sql.NullString
			basedOn, next, cr int64
		)
		if err := rows.Scan(&o.AccountID, &tags, &status, &o.WriteTags, &o.WriteStatus, &basedOn,
			&o.Attempts, &o.LastError, &next, &cr); err != nil {
			return nil, err
		}
		o.Tags, o.Status = decStr(tags), decStr(status)
		o.BasedOn, o.NextAttempt, o.Created = decTime(basedOn), decTime(next), decTime(cr)
		out = append(out, o)
	}
	return out, rows.Err()
}

// sqlLimit maps "no limit" (<= 0) to SQLite's LIMIT -1.
func sqlLimit(limit int) int {
	if limit <= 0 {
		return -1
	}
	return limit
}
