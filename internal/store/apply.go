package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Change is what the engine decided about one account, applied as a unit.
type Change struct {
	Account Account      // upserted as a whole
	Outbox  *OutboxEntry // non-nil: replace the account's outbox entry
	Dequeue bool         // remove the account's outbox entry (when Outbox is nil)
	History []HistoryEntry
	// Rejections are upserted after the outbox entry; they leave it alone
	// (a change may write one field and refuse the other). An empty
	// AccountID takes the account's.
	Rejections []Rejection
	// Resolved names fields whose rejections no longer hold (the engine
	// decided them and the field needs no write now); they are deleted.
	Resolved []string
}

// Apply applies changes in one transaction: all or none. For each change, in
// order: the account is upserted as a whole (its outbox entry survives the
// upsert); then the outbox entry is replaced when Outbox is set, or removed
// when Dequeue is; then the history entries are appended and the
// rejections upserted. An outbox entry or
// history entry with an empty AccountID takes the account's; one naming
// another account is an error.
func (db *DB) Apply(ctx context.Context, changes []Change) error {
	if len(changes) == 0 {
		return nil
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	defer tx.Rollback()
	if err := apply(ctx, tx, changes, db.Now()); err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	return commit(tx)
}

// applyStmts are Apply's statements, prepared once per transaction.
type applyStmts struct {
	account, outbox, dequeue, history *sql.Stmt
}

func prepareApply(ctx context.Context, tx *sql.Tx) (*applyStmts, error) {
	var s applyStmts
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = tx.PrepareContext(ctx, q)
		return st
	}
	s.account = prep(upsertAccountSQL)
	s.outbox = prep(upsertOutboxSQL)
	s.dequeue = prep(`DELETE FROM outbox WHERE account_id = ?`)
	s.history = prep(insertHistorySQL)
	if err != nil {
		s.close()
		return nil, err
	}
	return &s, nil
}

func (s *applyStmts) close() {
	for _, st := range []*sql.Stmt{s.account, s.outbox, s.dequeue, s.history} {
		if st != nil {
			_ = st.Close()
		}
	}
}

func apply(ctx context.Context, tx *sql.Tx, changes []Change, now time.Time) error {
	st, err := prepareApply(ctx, tx)
	if err != nil {
		return err
	}
	defer st.close()
	var rejects []Rejection
	for i := range changes {
		if err := applyOne(ctx, st, &changes[i]); err != nil {
			return err
		}
		for _, r := range changes[i].Rejections {
			if r.AccountID == "" {
				r.AccountID = changes[i].Account.ID
			}
			if r.AccountID != changes[i].Account.ID {
				return fmt.Errorf("account %s: rejection for another account %s", changes[i].Account.ID, r.AccountID)
			}
			rejects = append(rejects, r)
		}
	}
	if err := resolveRejections(ctx, tx, changes); err != nil {
		return err
	}
	return rejectWrites(ctx, tx, rejects, now, false)
}

func applyOne(ctx context.Context, st *applyStmts, c *Change) error {
	id := c.Account.ID
	if id == "" {
		return errors.New("account with an empty id")
	}
	if err := upsertAccount(ctx, st.account, &c.Account); err != nil {
		return fmt.Errorf("account %s: %w", id, err)
	}
	switch {
	case c.Outbox != nil:
		o := *c.Outbox
		if o.AccountID == "" {
			o.AccountID = id
		}
		if o.AccountID != id {
			return fmt.Errorf("account %s: outbox entry for another account %s", id, o.AccountID)
		}
		if err := upsertOutbox(ctx, st.outbox, &o); err != nil {
			return fmt.Errorf("account %s: outbox: %w", id, err)
		}
	case c.Dequeue:
		if _, err := st.dequeue.ExecContext(ctx, id); err != nil {
			return fmt.Errorf("account %s: dequeue: %w", id, err)
		}
	}
	for _, h := range c.History {
		if h.AccountID == "" {
			h.AccountID = id
		}
		if h.AccountID != id {
			return fmt.Errorf("account %s: history entry for another account %s", id, h.AccountID)
		}
		if err := insertHistory(ctx, st.history, &h); err != nil {
			return fmt.Errorf("account %s: history: %w", id, err)
		}
	}
	return nil
}

const upsertAccountSQL = `INSERT INTO accounts (` + accountColumns + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (id) DO UPDATE SET
		record = excluded.record, modstamp = excluded.modstamp,
		crm_tags = excluded.crm_tags, crm_status = excluded.crm_status,
		desired_tags = excluded.desired_tags, desired_status = excluded.desired_status,
		managed_tags = excluded.managed_tags, as_of = excluded.as_of,
		rules_version = excluded.rules_version, seen_pull = excluded.seen_pull`

// upsertAccount writes a as a whole. It is an upsert, not INSERT OR REPLACE:
// a replace deletes the row first, which would cascade to the outbox.
func upsertAccount(ctx context.Context, st *sql.Stmt, a *Account) error {
	modstamp, err := encTime(a.Modstamp)
	if err != nil {
		return fmt.Errorf("modstamp: %w", err)
	}
	managed, err := json.Marshal(a.ManagedTags)
	if err != nil {
		return fmt.Errorf("managed tags: %w", err)
	}
	_, err = st.ExecContext(ctx, a.ID, encRaw(a.Record), modstamp,
		encStr(a.CRMTags), encStr(a.CRMStatus), desiredTags(a), encStr(a.DesiredStatus),
		string(managed), a.AsOf, a.RulesVersion, a.SeenPull)
	return err
}

// sameAsCRM is what desired_tags holds when the value equals crm_tags (the
// common case once synced), so that an account's tags are stored once. No
// tags value contains a NUL.
const sameAsCRM = "\x00"

// desiredTags is what the desired_tags column keeps for a.
func desiredTags(a *Account) any {
	if a.DesiredTags != nil && a.CRMTags != nil && *a.DesiredTags == *a.CRMTags {
		return sameAsCRM
	}
	return encStr(a.DesiredTags)
}

// resolveRejections deletes the rejections the changes name as resolved.
func resolveRejections(ctx context.Context, tx *sql.Tx, changes []Change) error {
	var st *sql.Stmt
	for i := range changes {
		for _, field := range changes[i].Resolved {
			if st == nil {
				var err error
				if st, err = tx.PrepareContext(ctx, `DELETE FROM rejections WHERE account_id = ? AND field = ?`); err != nil {
					return err
				}
				defer st.Close()
			}
			if _, err := st.ExecContext(ctx, changes[i].Account.ID, field); err != nil {
				return fmt.Errorf("account %s: resolve rejection: %w", changes[i].Account.ID, err)
			}
		}
	}
	return nil
}
