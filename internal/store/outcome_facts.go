package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
)

// FactFields are the API names of the record fields Facts reads; "" is a
// field not mapped (its value is always nil).
type FactFields struct {
	Renewal  string // renewal date (date)
	Start    string // start date (date)
	Active   string // active users (number)
	Seats    string // licensed seats (number)
	Activity string // last activity (date)
	Value    string // contract value (number)
}

// Fact is one stored account's lifecycle status and the mapped fields the
// reports and the calibration recorder read, as last pulled. Dates are
// "2006-01-02" ("" when empty or not a date); numbers nil when empty or not
// numbers.
type Fact struct {
	ID, Name, Status         string // Status "" when none
	Renewal, Start, Activity string
	Active, Seats, Value     *float64
	CRMStatus                string // what Salesforce holds
}

// Facts returns every stored account's Fact, ordered by id. The fields
// are read in SQLite with one json_extract per record (the record is
// parsed twice, to check it and to read it, however many fields are
// mapped), so no record is decoded in Go. A field whose value has another
// JSON type than the Fact expects (text for dates and the name, a number
// for numbers) reads as empty. A name in f that is not an API name is an
// error.
func (db *DB) Facts(ctx context.Context, f FactFields) ([]Fact, error) {
	return db.FactsAfter(ctx, f, "", 0)
}

// FactsAfter is Facts for the accounts whose id sorts after after, at
// most limit of them (limit <= 0: all), by id: a caller that walks every
// account in chunks holds one chunk in memory.
func (db *DB) FactsAfter(ctx context.Context, f FactFields, after string, limit int) ([]Fact, error) {
	names := []string{"Name", f.Renewal, f.Start, f.Activity, f.Active, f.Seats, f.Value}
	for _, name := range names[1:] {
		if name != "" && !isAPIName(name) {
			return nil, fmt.Errorf("facts: field %q is not an API name", name)
		}
	}
	paths := make([]string, len(names))
	for i, name := range names {
		if name == "" {
			name = "Name" // read and ignored: keeps the array's positions
		}
		paths[i] = `'$."` + name + `"'`
	}
	q := `SELECT id, ifnull(desired_status, ''), ifnull(crm_status, ''),
		CASE WHEN json_valid(r) THEN json_extract(r, ` + strings.Join(paths, ", ") + `) END
		FROM (SELECT id, desired_status, crm_status, CAST(record AS TEXT) AS r FROM accounts
		WHERE id > ? ORDER BY id LIMIT ?)`
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("facts: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, q, after, sqlLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("facts: %w", err)
	}
	defer rows.Close()
	var (
		out  []Fact
		vals []any
	)
	for rows.Next() {
		var (
			a   Fact
			arr sql.NullString
		)
		if err := rows.Scan(&a.ID, &a.Status, &a.CRMStatus, &arr); err != nil {
			return nil, fmt.Errorf("facts: %w", err)
		}
		vals = vals[:0]
		if arr.Valid {
			if err := json.Unmarshal([]byte(arr.String), &vals); err != nil {
				return nil, fmt.Errorf("facts: account %s: %w", a.ID, err)
			}
		}
		if len(vals) == len(names) {
			text := func(i int) string {
				if names[i] == "" {
					return ""
				}
				s, _ := vals[i].(string)
				return s
			}
			num := func(i int) *float64 {
				if v, ok := vals[i].(float64); ok && names[i] != "" {
					return &v
				}
				return nil
			}
			a.Name = text(0)
			a.Renewal, a.Start, a.Activity = dateOnly(text(1)), dateOnly(text(2)), dateOnly(text(3))
			a.Active, a.Seats, a.Value = num(4), num(5), num(6)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("facts: %w", err)
	}
	return out, nil
}

// dateOnly returns s when it is a "2006-01-02" date, else "".
func dateOnly(s string) string {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return ""
	}
	for i, c := range s {
		if i != 4 && i != 7 && (c < '0' || c > '9') {
			return ""
		}
	}
	return s
}

// StatusesOn returns the lifecycle status the account held on each day
// (the last status change computed as of that day or before), nil where
// the history holds no change that early or the status was none.
func (db *DB) StatusesOn(ctx context.Context, accountID string, days ...string) ([]*string, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("statuses of %s: %w", accountID, err)
	}
	defer tx.Rollback()
	out := make([]*string, len(days))
	for i, d := range days {
		var to sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT to_value FROM history WHERE account_id = ? AND kind IN ('change', 'cleared')
			AND as_of <= ? ORDER BY as_of DESC, id DESC LIMIT 1`, accountID, d).Scan(&to)
		switch {
		case err == sql.ErrNoRows:
		case err != nil:
			return nil, fmt.Errorf("statuses of %s: %w", accountID, err)
		default:
			out[i] = decStr(to)
		}
	}
	return out, nil
}

// Transition is how many status changes went from one status to another
// ("" none) in a period.
type Transition struct {
	From, To string
	Changes  int
}

// Transitions returns the status changes computed as of days from to
// until (both included), grouped by from and to, most frequent first.
func (db *DB) Transitions(ctx context.Context, from, until string) ([]Transition, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("transitions: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT ifnull(from_value, ''), ifnull(to_value, ''), count(*) FROM history
		WHERE kind IN ('change', 'cleared') AND as_of >= ? AND as_of <= ?
		GROUP BY 1, 2 HAVING ifnull(from_value, '') != ifnull(to_value, '') ORDER BY 3 DESC, 1, 2`, from, until)
	if err != nil {
		return nil, fmt.Errorf("transitions: %w", err)
	}
	defer rows.Close()
	var out []Transition
	for rows.Next() {
		var t Transition
		if err := rows.Scan(&t.From, &t.To, &t.Changes); err != nil {
			return nil, fmt.Errorf("transitions: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("transitions: %w", err)
	}
	return out, nil
}
