package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Play action states.
const (
	PlayPending  = "pending"
	PlaySent     = "sent"
	PlayRejected = "rejected"
)

// PlayTransition is a history entry a play can fire on: a status change
// ("change") or a managed tag gained or lost ("tag_added", "tag_removed").
type PlayTransition struct {
	ID        int64
	AccountID string
	Kind      string
	From, To  *string
	At        time.Time
	AsOf      string
}

// PlayAction is one action of one play for one transition: a row of the
// plays outbox. Key is deterministic (the same play, transition and
// action always give the same key); it travels with what is sent.
type PlayAction struct {
	Key        string
	Play       string
	Action     string // "task" or "webhook"
	HistoryID  int64
	AccountID  string
	Transition string // e.g. "enters Renewal-High Risk"
	Payload    json.RawMessage
	State      string // PlayPending, PlaySent, PlayRejected
	Attempts   int
	// NextAttempt: a pending action is not tried before it.
	NextAttempt time.Time
	Result      string // a sent task's Id, a webhook's HTTP status
	Code        string // a rejection's code (INACTIVE_OWNER_OR_USER, HTTP_404)
	Message     string
	Created     time.Time
	Updated     time.Time
}

// PlayOutcome is what one attempt at a PlayAction came to. State stays
// PlayPending for a retry at NextAttempt.
type PlayOutcome struct {
	Key         string
	State       string
	Result      string
	Code        string
	Message     string
	NextAttempt time.Time
}

var transitionKinds = []any{"change", "tag_added", "tag_removed"}

// LastHistoryID returns the id of the newest history entry, 0 when none.
func (db *DB) LastHistoryID(ctx context.Context) (int64, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return 0, fmt.Errorf("last history id: %w", err)
	}
	defer tx.Rollback()
	var id sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(id) FROM history`).Scan(&id); err != nil {
		return 0, fmt.Errorf("last history id: %w", err)
	}
	return id.Int64, nil
}

// PlayTransitions returns up to limit transitions with an id above after,
// oldest first.
func (db *DB) PlayTransitions(ctx context.Context, after int64, limit int) ([]PlayTransition, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("transitions: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT id, account_id, kind, from_value, to_value, at, as_of FROM history
		WHERE id > ? AND kind IN (?, ?, ?) ORDER BY id LIMIT ?`,
		append(append([]any{after}, transitionKinds...), sqlLimit(limit))...)
	if err != nil {
		return nil, fmt.Errorf("transitions: %w", err)
	}
	defer rows.Close()
	var out []PlayTransition
	for rows.Next() {
		var (
			t        PlayTransition
			from, to sql.NullString
			at       int64
		)
		if err := rows.Scan(&t.ID, &t.AccountID, &t.Kind, &from, &to, &at, &t.AsOf); err != nil {
			return nil, fmt.Errorf("transitions: %w", err)
		}
		t.From, t.To, t.At = decStr(from), decStr(to), decTime(at)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("transitions: %w", err)
	}
	return out, nil
}

// PlayCursors returns each known play's cursor: the history id its
// transitions were read up to.
func (db *DB) PlayCursors(ctx context.Context) (map[string]int64, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("play cursors: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT play, after FROM play_cursors`)
	if err != nil {
		return nil, fmt.Errorf("play cursors: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var after int64
		if err := rows.Scan(&name, &after); err != nil {
			return nil, fmt.Errorf("play cursors: %w", err)
		}
		out[name] = after
	}
	return out, rows.Err()
}

// EnqueuePlays adds acts to the plays outbox (an action whose key is
// already there is left as it is) and sets the cursors, in one
// transaction: a crash leaves either both or neither.
func (db *DB) EnqueuePlays(ctx context.Context, acts []PlayAction, cursors map[string]int64) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("enqueue plays: %w", err)
	}
	defer tx.Rollback()
	now, err := encTime(db.Now())
	if err != nil {
		return fmt.Errorf("enqueue plays: %w", err)
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO play_outbox (key, play, action, history_id, account_id, transition,
		payload, next_attempt, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`)
	if err != nil {
		return fmt.Errorf("enqueue plays: %w", err)
	}
	defer ins.Close()
	for _, a := range acts {
		if _, err := ins.ExecContext(ctx, a.Key, a.Play, a.Action, a.HistoryID, a.AccountID, a.Transition,
			[]byte(a.Payload), now, now, now); err != nil {
			return fmt.Errorf("enqueue play %s: %w", a.Key, err)
		}
	}
	for name, after := range cursors {
		if _, err := tx.ExecContext(ctx, `INSERT INTO play_cursors (play, after) VALUES (?, ?)
			ON CONFLICT (play) DO UPDATE SET after = excluded.after`, name, after); err != nil {
			return fmt.Errorf("set play cursor %s: %w", name, err)
		}
	}
	return commit(tx)
}

// PendingPlays returns up to limit pending actions of kind action that are
// due at now, oldest first.
func (db *DB) PendingPlays(ctx context.Context, action string, now time.Time, limit int) ([]PlayAction, error) {
	at, err := encTime(now)
	if err != nil {
		return nil, fmt.Errorf("pending plays: %w", err)
	}
	return db.queryPlays(ctx, "pending plays", `WHERE state = 'pending' AND action = ? AND next_attempt <= ?
		ORDER BY history_id, key LIMIT ?`, action, at, sqlLimit(limit))
}

// CountPendingPlays returns the number of pending actions by action kind.
func (db *DB) CountPendingPlays(ctx context.Context) (map[string]int, error) {
	return db.countPlays(ctx, `SELECT action, count(*) FROM play_outbox WHERE state = 'pending' GROUP BY action`)
}

// CountPlays returns the number of actions by state.
func (db *DB) CountPlays(ctx context.Context) (map[string]int, error) {
	return db.countPlays(ctx, `SELECT state, count(*) FROM play_outbox GROUP BY state`)
}

// RecentPlays returns up to limit actions, the most recently updated first.
func (db *DB) RecentPlays(ctx context.Context, limit int) ([]PlayAction, error) {
	return db.queryPlays(ctx, "recent plays", `ORDER BY updated DESC, key LIMIT ?`, sqlLimit(limit))
}

// PlayRejections returns up to limit rejected actions, the most recent
// first.
func (db *DB) PlayRejections(ctx context.Context, limit int) ([]PlayAction, error) {
	return db.queryPlays(ctx, "play rejections", `WHERE state = 'rejected' ORDER BY updated DESC, key LIMIT ?`, sqlLimit(limit))
}

// AccountPlays returns the actions plays took (or will take) for an
// account, oldest transition first.
func (db *DB) AccountPlays(ctx context.Context, accountID string) ([]PlayAction, error) {
	return db.queryPlays(ctx, "plays of "+accountID, `WHERE account_id = ? ORDER BY history_id, key`, accountID)
}

// RecordPlays stores the outcome of attempts, each by key; an attempt
// counts in Attempts.
func (db *DB) RecordPlays(ctx context.Context, outs []PlayOutcome) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("record plays: %w", err)
	}
	defer tx.Rollback()
	now, err := encTime(db.Now())
	if err != nil {
		return fmt.Errorf("record plays: %w", err)
	}
	st, err := tx.PrepareContext(ctx, `UPDATE play_outbox SET state = ?, result = ?, code = ?, message = ?,
		next_attempt = ?, attempts = attempts + 1, updated = ? WHERE key = ?`)
	if err != nil {
		return fmt.Errorf("record plays: %w", err)
	}
	defer st.Close()
	for _, o := range outs {
		next, err := encTime(o.NextAttempt)
		if err != nil {
			return fmt.Errorf("record play %s: %w", o.Key, err)
		}
		if _, err := st.ExecContext(ctx, o.State, o.Result, o.Code, o.Message, next, now, o.Key); err != nil {
			return fmt.Errorf("record play %s: %w", o.Key, err)
		}
	}
	return commit(tx)
}

const playColumns = `key, play, action, history_id, account_id, transition, payload, state, attempts,
	next_attempt, result, code, message, created, updated`

func (db *DB) queryPlays(ctx context.Context, what, where string, args ...any) ([]PlayAction, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+playColumns+` FROM play_outbox `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []PlayAction
	for rows.Next() {
		var (
			a                      PlayAction
			payload                []byte
			next, created, updated int64
		)
		if err := rows.Scan(&a.Key, &a.Play, &a.Action, &a.HistoryID, &a.AccountID, &a.Transition, &payload,
			&a.State, &a.Attempts, &next, &a.Result, &a.Code, &a.Message, &created, &updated); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		a.Payload, a.NextAttempt, a.Created, a.Updated = payload, decTime(next), decTime(created), decTime(updated)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

func (db *DB) countPlays(ctx context.Context, q string) (map[string]int, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("count plays: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("count plays: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("count plays: %w", err)
		}
		out[k] = n
	}
	return out, rows.Err()
}
