package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// HistoryEntry is one change of an account's status (or a person's edit of a
// managed value), with the inputs that led to it. History outlives the
// account: Forget keeps it.
type HistoryEntry struct {
	AccountID string
	Kind      string  // "change", "drift", "cleared"
	From, To  *string // nil = none
	At        time.Time
	AsOf      string
	Inputs    json.RawMessage
}

const historyColumns = `account_id, kind, from_value, to_value, at, as_of, inputs`

const insertHistorySQL = `INSERT INTO history (` + historyColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?)`

// History returns the account's history, oldest first (entries with the same
// At in the order they were recorded).
func (db *DB) History(ctx context.Context, accountID string) ([]HistoryEntry, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", accountID, err)
	}
	defer tx.Rollback()
	out, err := queryHistory(ctx, tx, `SELECT `+historyColumns+` FROM history
		WHERE account_id = ? ORDER BY at, id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", accountID, err)
	}
	return out, nil
}

// RecentHistory returns up to limit history entries of every account, newest
// first. limit <= 0 means no limit.
func (db *DB) RecentHistory(ctx context.Context, limit int) ([]HistoryEntry, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("recent history: %w", err)
	}
	defer tx.Rollback()
	out, err := queryHistory(ctx, tx, `SELECT `+historyColumns+` FROM history
		ORDER BY id DESC LIMIT ?`, sqlLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("recent history: %w", err)
	}
	return out, nil
}

func insertHistory(ctx context.Context, st *sql.Stmt, h *HistoryEntry) error {
	at, err := encTime(h.At)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, h.AccountID, h.Kind, encStr(h.From), encStr(h.To), at, h.AsOf, encRaw(h.Inputs))
	return err
}

func queryHistory(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]HistoryEntry, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var (
			h        HistoryEntry
			from, to sql.NullString
			at       int64
			inputs   []byte
		)
		if err := rows.Scan(&h.AccountID, &h.Kind, &from, &to, &at, &h.AsOf, &inputs); err != nil {
			return nil, err
		}
		h.From, h.To, h.At, h.Inputs = decStr(from), decStr(to), decTime(at), decRaw(inputs)
		out = append(out, h)
	}
	return out, rows.Err()
}
