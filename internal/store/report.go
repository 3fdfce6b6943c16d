package store

import (
	"context"
	"fmt"
)

// StatusSum is, for one computed status, how many accounts have it and the
// sum of a numeric field of their records.
type StatusSum struct {
	Accounts int     // accounts with the status
	Valued   int     // of those, accounts whose record holds a number in the field
	Sum      float64 // the field summed over Valued
}

// SumByStatus returns, per desired (computed) status ("" = none), how many
// accounts have it and the sum of the record field with API name field,
// counting only numbers (a text, a null or a missing field adds nothing, and
// a record that is not valid JSON counts as an account without a value). The
// sum runs in SQLite, so memory does not grow with the number of accounts.
// field must be a Salesforce API name: letters, digits and underscores.
func (db *DB) SumByStatus(ctx context.Context, field string) (map[string]StatusSum, error) {
	if !isAPIName(field) {
		return nil, fmt.Errorf("sum by status: field %q is not an API name", field)
	}
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("sum by status: %w", err)
	}
	defer tx.Rollback()
	// Records are stored as BLOBs; CAST keeps SQLite from reading them as
	// its binary JSONB format.
	path := `$."` + field + `"`
	rows, err := tx.QueryContext(ctx, `SELECT status, count(*), count(v), total(v) FROM (
		SELECT ifnull(desired_status, '') AS status,
			CASE WHEN json_valid(r) AND json_type(r, ?1) IN ('integer', 'real') THEN json_extract(r, ?1) END AS v
		FROM (SELECT desired_status, CAST(record AS TEXT) AS r FROM accounts)
	) GROUP BY status`, path)
	if err != nil {
		return nil, fmt.Errorf("sum by status: %w", err)
	}
	defer rows.Close()
	out := map[string]StatusSum{}
	for rows.Next() {
		var (
			status string
			s      StatusSum
		)
		if err := rows.Scan(&status, &s.Accounts, &s.Valued, &s.Sum); err != nil {
			return nil, fmt.Errorf("sum by status: %w", err)
		}
		out[status] = s
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sum by status: %w", err)
	}
	return out, nil
}

// isAPIName reports whether s looks like a Salesforce field API name.
func isAPIName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}
