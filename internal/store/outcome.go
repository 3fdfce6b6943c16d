package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Tracked is what the calibration recorder last saw of one account it
// follows (internal/calibration). Days are "2006-01-02"; "" is none.
type Tracked struct {
	AccountID   string
	Anniversary string   // the renewal date it waits on; "" not watching
	Value       *float64 // contract value when last seen
	Paying      bool     // held a lifecycle status when last seen
	Start       string   // start date
	Onboard     string   // "Good" or "Poor" once a 90-day outcome was seen
	Onboarded   string   // first day seen in an onboarding status
	CoreDay     string   // first day seen in a core status after onboarding
	Active      *float64 // active users when last seen
	Seen        string   // last as-of day seen
}

// Outcome is what one account did: at a renewal anniversary it renewed or
// churned (Kind "renewal"); a year after its start it was retained or lost
// (Kind "onboarding"). Status120, Status60 and Status30 are the lifecycle
// statuses it held that many days before the anniversary (nil: not tracked
// then, or no status).
type Outcome struct {
	ID                            int64
	AccountID                     string
	Kind                          string // "renewal" or "onboarding"
	Anniversary                   string // the renewal date, or the start plus one year
	Result                        string // "renewed", "churned", "retained" or "lost"
	Decided                       string // the as-of day the outcome was seen
	Status120, Status60, Status30 *string
	Onboard                       string // onboarding: the 90-day outcome, "Good" or "Poor"
	Value                         *float64
}

// Outcome kinds and results.
const (
	KindRenewal    = "renewal"
	KindOnboarding = "onboarding"
	Renewed        = "renewed"
	Churned        = "churned"
	Retained       = "retained"
	Lost           = "lost"
)

// UsageChange is an account's active users from Day on (nil: unknown).
type UsageChange struct {
	AccountID string
	Day       string
	Active    *float64
}

// Tracking is one recorder pass's changes, saved together.
type Tracking struct {
	Upsert   []Tracked
	Delete   []string // account ids no longer followed
	Usage    []UsageChange
	Outcomes []Outcome
}

const trackedColumns = `account_id, anniversary, value, paying, start, onboard, onboarded, core_day, active, seen`

// Tracked returns every followed account, by id.
func (db *DB) Tracked(ctx context.Context) (map[string]Tracked, error) {
	return db.TrackedRange(ctx, "", "")
}

// TrackedRange is Tracked for the accounts whose id sorts after after and
// not after through ("" for either: no bound).
func (db *DB) TrackedRange(ctx context.Context, after, through string) (map[string]Tracked, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("tracked: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+trackedColumns+` FROM tracked
		WHERE account_id > ?1 AND (?2 = '' OR account_id <= ?2)`, after, through)
	if err != nil {
		return nil, fmt.Errorf("tracked: %w", err)
	}
	defer rows.Close()
	out := map[string]Tracked{}
	for rows.Next() {
		var (
			t             Tracked
			value, active sql.NullFloat64
		)
		if err := rows.Scan(&t.AccountID, &t.Anniversary, &value, &t.Paying, &t.Start, &t.Onboard, &t.Onboarded,
			&t.CoreDay, &active, &t.Seen); err != nil {
			return nil, fmt.Errorf("tracked: %w", err)
		}
		t.Value, t.Active = decFloat(value), decFloat(active)
		out[t.AccountID] = t
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tracked: %w", err)
	}
	return out, nil
}

// SaveTracking saves t in one transaction. An outcome already recorded for
// the same account, kind and anniversary is kept and the new one ignored,
// so a pass that runs twice records nothing twice; a usage change on a day
// that already has one replaces it.
func (db *DB) SaveTracking(ctx context.Context, t Tracking) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("save tracking: %w", err)
	}
	defer tx.Rollback()
	if err := saveTracking(ctx, tx, &t); err != nil {
		return fmt.Errorf("save tracking: %w", err)
	}
	return commit(tx)
}

func saveTracking(ctx context.Context, tx *sql.Tx, t *Tracking) error {
	up, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO tracked (`+trackedColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer up.Close()
	for _, r := range t.Upsert {
		if _, err := up.ExecContext(ctx, r.AccountID, r.Anniversary, encFloat(r.Value), boolInt(r.Paying), r.Start, r.Onboard,
			r.Onboarded, r.CoreDay, encFloat(r.Active), r.Seen); err != nil {
			return fmt.Errorf("account %s: %w", r.AccountID, err)
		}
	}
	for _, id := range t.Delete {
		if _, err := tx.ExecContext(ctx, `DELETE FROM tracked WHERE account_id = ?`, id); err != nil {
			return fmt.Errorf("account %s: %w", id, err)
		}
	}
	us, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO usage (account_id, day, active) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	defer us.Close()
	for _, u := range t.Usage {
		if _, err := us.ExecContext(ctx, u.AccountID, u.Day, encFloat(u.Active)); err != nil {
			return fmt.Errorf("usage of %s: %w", u.AccountID, err)
		}
	}
	for _, o := range t.Outcomes {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO outcomes (account_id, kind, anniversary, result, decided,
			status120, status60, status30, onboard, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			o.AccountID, o.Kind, o.Anniversary, o.Result, o.Decided, encStr(o.Status120), encStr(o.Status60),
			encStr(o.Status30), o.Onboard, encFloat(o.Value)); err != nil {
			return fmt.Errorf("outcome of %s: %w", o.AccountID, err)
		}
	}
	return nil
}

// Outcomes returns the recorded outcomes of kind ("" every kind) in the
// order they were recorded.
func (db *DB) Outcomes(ctx context.Context, kind string) ([]Outcome, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("outcomes: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT id, account_id, kind, anniversary, result, decided, status120, status60,
		status30, onboard, value FROM outcomes WHERE ?1 = '' OR kind = ?1 ORDER BY id`, kind)
	if err != nil {
		return nil, fmt.Errorf("outcomes: %w", err)
	}
	defer rows.Close()
	var out []Outcome
	for rows.Next() {
		var (
			o          Outcome
			s1, s2, s3 sql.NullString
			value      sql.NullFloat64
		)
		if err := rows.Scan(&o.ID, &o.AccountID, &o.Kind, &o.Anniversary, &o.Result, &o.Decided, &s1, &s2, &s3,
			&o.Onboard, &value); err != nil {
			return nil, fmt.Errorf("outcomes: %w", err)
		}
		o.Status120, o.Status60, o.Status30, o.Value = decStr(s1), decStr(s2), decStr(s3), decFloat(value)
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outcomes: %w", err)
	}
	return out, nil
}

// UsageWindow returns, for every account whose active users changed after
// day from, the change in effect on from (when there is one) and every
// later change, ordered by account and day.
func (db *DB) UsageWindow(ctx context.Context, from string) ([]UsageChange, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("usage window: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT account_id, day, active FROM usage u
		WHERE account_id IN (SELECT account_id FROM usage WHERE day > ?1)
		AND day >= ifnull((SELECT max(day) FROM usage WHERE account_id = u.account_id AND day <= ?1), '')
		ORDER BY account_id, day`, from)
	if err != nil {
		return nil, fmt.Errorf("usage window: %w", err)
	}
	defer rows.Close()
	var out []UsageChange
	for rows.Next() {
		var (
			u      UsageChange
			active sql.NullFloat64
		)
		if err := rows.Scan(&u.AccountID, &u.Day, &active); err != nil {
			return nil, fmt.Errorf("usage window: %w", err)
		}
		u.Active = decFloat(active)
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("usage window: %w", err)
	}
	return out, nil
}

func encFloat(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func decFloat(f sql.NullFloat64) *float64 {
	if !f.Valid {
		return nil
	}
	v := f.Float64
	return &v
}
