package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Snapshot is one day's count of paying accounts per status ("" = no
// status).
type Snapshot struct {
	Day    string // "2006-01-02"
	Counts map[string]int
}

// SaveSnapshot stores s, replacing the snapshot of the same day.
func (db *DB) SaveSnapshot(ctx context.Context, s Snapshot) error {
	if _, err := time.Parse(time.DateOnly, s.Day); err != nil {
		return fmt.Errorf("save snapshot: day %q is not a date (2006-01-02)", s.Day)
	}
	counts, err := json.Marshal(s.Counts)
	if err != nil {
		return fmt.Errorf("save snapshot %s: %w", s.Day, err)
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("save snapshot %s: %w", s.Day, err)
	}
	defer tx.Rollback()
	if err := saveSnapshot(ctx, tx, s.Day, string(counts)); err != nil {
		return fmt.Errorf("save snapshot %s: %w", s.Day, err)
	}
	return commit(tx)
}

// Snapshots returns the snapshots of sinceDay and later, oldest first.
// sinceDay "" returns them all.
func (db *DB) Snapshots(ctx context.Context, sinceDay string) ([]Snapshot, error) {
	if sinceDay != "" {
		if _, err := time.Parse(time.DateOnly, sinceDay); err != nil {
			return nil, fmt.Errorf("snapshots: day %q is not a date (2006-01-02)", sinceDay)
		}
	}
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("snapshots: %w", err)
	}
	defer tx.Rollback()
	out, err := snapshots(ctx, tx, sinceDay)
	if err != nil {
		return nil, fmt.Errorf("snapshots: %w", err)
	}
	return out, nil
}

func saveSnapshot(ctx context.Context, tx *sql.Tx, day, counts string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO snapshots (day, counts) VALUES (?, ?)
		ON CONFLICT (day) DO UPDATE SET counts = excluded.counts`, day, counts)
	return err
}

func snapshots(ctx context.Context, tx *sql.Tx, sinceDay string) ([]Snapshot, error) {
	rows, err := tx.QueryContext(ctx, `SELECT day, counts FROM snapshots WHERE day >= ? ORDER BY day`, sinceDay)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Snapshot
	for rows.Next() {
		var s Snapshot
		var counts string
		if err := rows.Scan(&s.Day, &counts); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(counts), &s.Counts); err != nil {
			return nil, fmt.Errorf("snapshot %s: %w", s.Day, err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SnapshotKeep is how long every daily snapshot is kept; ThinSnapshots
// keeps one a week of older ones.
const SnapshotKeep = 2 * 366 * 24 * time.Hour

// ThinSnapshots keeps one snapshot a week (the earliest of each Monday to
// Sunday week) among those older than beforeDay, and deletes the others.
// It returns how many it deleted. History entries are never deleted.
func (db *DB) ThinSnapshots(ctx context.Context, beforeDay string) (int, error) {
	if _, err := time.Parse(time.DateOnly, beforeDay); err != nil {
		return 0, fmt.Errorf("thin snapshots: day %q is not a date (2006-01-02)", beforeDay)
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return 0, fmt.Errorf("thin snapshots: %w", err)
	}
	defer tx.Rollback()
	// 2440591.5 is the Julian day of Monday 1970-01-05.
	res, err := tx.ExecContext(ctx, `DELETE FROM snapshots WHERE day < ?1 AND day NOT IN (
		SELECT min(day) FROM snapshots WHERE day < ?1
		GROUP BY CAST((julianday(day) - 2440591.5) / 7 + 100000 AS INTEGER))`, beforeDay)
	if err != nil {
		return 0, fmt.Errorf("thin snapshots: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("thin snapshots: %w", err)
	}
	return int(n), commit(tx)
}
