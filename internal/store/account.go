package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Account is what the store keeps of one CRM record.
type Account struct {
	ID            string
	Record        json.RawMessage // the record as last pulled (API name -> value), no "attributes"
	Modstamp      time.Time       // its SystemModstamp
	CRMTags       *string         // what Salesforce holds (as last pulled, or as we last wrote)
	CRMStatus     *string
	DesiredTags   *string // last computed values; nil = clear
	DesiredStatus *string
	ManagedTags   []string
	AsOf          string // "2006-01-02" of the last computation; "" never computed
	RulesVersion  string
	SeenPull      int64 // id of the last full pull that saw it
}

// accountChunk is how many accounts ForEachAccount reads at a time.
const accountChunk = 1000

const accountColumns = `id, record, modstamp, crm_tags, crm_status, desired_tags, desired_status,
	managed_tags, as_of, rules_version, seen_pull`

// Account returns the account with the given id, or an error wrapping
// ErrNotFound.
func (db *DB) Account(ctx context.Context, id string) (Account, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return Account{}, fmt.Errorf("account %s: %w", id, err)
	}
	defer tx.Rollback()
	a, err := account(ctx, tx, id)
	if err != nil {
		return Account{}, fmt.Errorf("account %s: %w", id, err)
	}
	return a, nil
}

// Accounts returns the stored accounts among ids, by id; ids the store does
// not hold are absent from the map. It reads a page of ids in a few queries
// where Account would take one transaction each.
func (db *DB) Accounts(ctx context.Context, ids []string) (map[string]Account, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	defer tx.Rollback()
	out := make(map[string]Account, len(ids))
	const chunk = 500
	for len(ids) > 0 {
		n := min(chunk, len(ids))
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		q := `SELECT ` + accountColumns + ` FROM accounts WHERE id IN (?` + strings.Repeat(",?", n-1) + `)`
		if err := queryAccounts(ctx, tx, q, args, func(a Account) { out[a.ID] = a }); err != nil {
			return nil, fmt.Errorf("accounts: %w", err)
		}
		ids = ids[n:]
	}
	return out, nil
}

// ForEachAccount calls fn for every account, ordered by ID, until fn returns
// an error, which it returns. It reads accounts in chunks of 1,000 (keyset
// pagination on id), each chunk in its own short read transaction, and holds
// no cursor while fn runs: memory stays bounded by the chunk, and fn may call
// the DB, including writes. The walk is not a snapshot: an account changed
// during the walk is seen as it was when its chunk was read, and accounts
// added after the current position are seen.
func (db *DB) ForEachAccount(ctx context.Context, fn func(Account) error) error {
	after := ""
	first := true
	buf := make([]Account, 0, accountChunk)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		buf = buf[:0]
		if err := db.accountChunk(ctx, after, first, &buf); err != nil {
			return fmt.Errorf("for each account: %w", err)
		}
		for _, a := range buf {
			if err := fn(a); err != nil {
				return err
			}
		}
		if len(buf) < accountChunk {
			return nil
		}
		after, first = buf[len(buf)-1].ID, false
	}
}

func (db *DB) accountChunk(ctx context.Context, after string, first bool, buf *[]Account) error {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// The first chunk has no lower bound: "" is a valid (if odd) id.
	q := `SELECT ` + accountColumns + ` FROM accounts WHERE id > ? ORDER BY id LIMIT ?`
	args := []any{after, accountChunk}
	if first {
		q = `SELECT ` + accountColumns + ` FROM accounts ORDER BY id LIMIT ?`
		args = []any{accountChunk}
	}
	return queryAccounts(ctx, tx, q, args, func(a Account) { *buf = append(*buf, a) })
}

// CountAccounts returns how many accounts the store holds.
func (db *DB) CountAccounts(ctx context.Context) (int, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return 0, fmt.Errorf("count accounts: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM accounts`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count accounts: %w", err)
	}
	return n, nil
}

// StatusCounts returns how many accounts have each desired (computed)
// status; accounts with none (nil or "") count under "".
func (db *DB) StatusCounts(ctx context.Context) (map[string]int, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("status counts: %w", err)
	}
	defer tx.Rollback()
	m, err := countBy(ctx, tx, `SELECT ifnull(desired_status, ''), count(*) FROM accounts GROUP BY 1`)
	if err != nil {
		return nil, fmt.Errorf("status counts: %w", err)
	}
	return m, nil
}

// TagCounts returns how many accounts each managed tag applies to (from the
// last computation). Tags that apply to no account are absent.
func (db *DB) TagCounts(ctx context.Context) (map[string]int, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("tag counts: %w", err)
	}
	defer tx.Rollback()
	m, err := countBy(ctx, tx, `SELECT t.value, count(*) FROM accounts a, json_each(a.managed_tags) t
		WHERE a.managed_tags <> 'null' GROUP BY t.value`)
	if err != nil {
		return nil, fmt.Errorf("tag counts: %w", err)
	}
	return m, nil
}

// AccountsNotSeen returns the accounts whose SeenPull is below pull: after a
// full pull with that id, those the CRM no longer returned. Ordered by ID.
func (db *DB) AccountsNotSeen(ctx context.Context, pull int64) ([]Account, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("accounts not seen: %w", err)
	}
	defer tx.Rollback()
	var out []Account
	q := `SELECT ` + accountColumns + ` FROM accounts WHERE seen_pull < ? ORDER BY id`
	if err := queryAccounts(ctx, tx, q, []any{pull}, func(a Account) { out = append(out, a) }); err != nil {
		return nil, fmt.Errorf("accounts not seen: %w", err)
	}
	return out, nil
}

// Forget deletes the accounts with these ids, their outbox entries and their
// rejections. Their history is kept. Unknown ids are ignored.
func (db *DB) Forget(ctx context.Context, ids []string) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("forget: %w", err)
	}
	defer tx.Rollback()
	if err := forget(ctx, tx, ids); err != nil {
		return fmt.Errorf("forget: %w", err)
	}
	return commit(tx)
}

func forget(ctx context.Context, tx *sql.Tx, ids []string) error {
	delAcct, err := tx.PrepareContext(ctx, `DELETE FROM accounts WHERE id = ?`) // outbox: ON DELETE CASCADE
	if err != nil {
		return err
	}
	defer delAcct.Close()
	delRej, err := tx.PrepareContext(ctx, `DELETE FROM rejections WHERE account_id = ?`)
	if err != nil {
		return err
	}
	defer delRej.Close()
	for _, id := range ids {
		if _, err := delAcct.ExecContext(ctx, id); err != nil {
			return fmt.Errorf("account %s: %w", id, err)
		}
		if _, err := delRej.ExecContext(ctx, id); err != nil {
			return fmt.Errorf("rejections of %s: %w", id, err)
		}
	}
	return nil
}

func account(ctx context.Context, tx *sql.Tx, id string) (Account, error) {
	var a Account
	found := false
	q := `SELECT ` + accountColumns + ` FROM accounts WHERE id = ?`
	if err := queryAccounts(ctx, tx, q, []any{id}, func(x Account) { a, found = x, true }); err != nil {
		return Account{}, err
	}
	if !found {
		return Account{}, ErrNotFound
	}
	return a, nil
}

// queryAccounts runs q, which selects accountColumns, and calls fn per row.
func queryAccounts(ctx context.Context, tx *sql.Tx, q string, args []any, fn func(Account)) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return err
		}
		fn(a)
	}
	return rows.Err()
}

func scanAccount(rows *sql.Rows) (Account, error) {
	var (
		a                  Account
		record             []byte
		modstamp           int64
		crmT, crmS, dT, dS sql.NullString
		managed            string
	)
	if err := rows.Scan(&a.ID, &record, &modstamp, &crmT, &crmS, &dT, &dS, &managed, &a.AsOf, &a.RulesVersion, &a.SeenPull); err != nil {
		return Account{}, err
	}
	a.Record = decRaw(record)
	a.Modstamp = decTime(modstamp)
	a.CRMTags, a.CRMStatus = decStr(crmT), decStr(crmS)
	a.DesiredTags, a.DesiredStatus = decStr(dT), decStr(dS)
	if dT.Valid && dT.String == sameAsCRM {
		a.DesiredTags = a.CRMTags
	}
	if err := json.Unmarshal([]byte(managed), &a.ManagedTags); err != nil {
		return Account{}, fmt.Errorf("account %s: managed tags: %w", a.ID, err)
	}
	return a, nil
}

// countBy runs q, which selects (key TEXT, count INTEGER) rows.
func countBy(ctx context.Context, tx *sql.Tx, q string) (map[string]int, error) {
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		m[k] += n
	}
	return m, rows.Err()
}
