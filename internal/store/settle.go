package store

import (
	"context"
	"fmt"
)

// Settlement is what one write batch came to: the fields Salesforce
// accepted, the entries left for later, the refusals, and the entries to
// queue anew (the other field of a write refused for one field only).
type Settlement struct {
	Written  []Written
	Deferred []Deferred
	Rejected []Rejection
	Requeue  []OutboxEntry
}

// Settle applies s in one transaction, in this order: Written as
// CompleteWrites, Deferred as DeferWrites, Rejected as RejectWrites (each
// rejected account's outbox entry is dropped), then Requeue upserts outbox
// entries. A batch's outcome is therefore never half recorded.
func (db *DB) Settle(ctx context.Context, s Settlement) error {
	if len(s.Written)+len(s.Deferred)+len(s.Rejected)+len(s.Requeue) == 0 {
		return nil
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("settle writes: %w", err)
	}
	defer tx.Rollback()
	if err := completeWrites(ctx, tx, s.Written); err != nil {
		return fmt.Errorf("settle writes: %w", err)
	}
	if err := deferWrites(ctx, tx, s.Deferred); err != nil {
		return fmt.Errorf("settle deferred writes: %w", err)
	}
	if err := rejectWrites(ctx, tx, s.Rejected, db.Now(), true); err != nil {
		return fmt.Errorf("settle rejections: %w", err)
	}
	if len(s.Requeue) > 0 {
		st, err := tx.PrepareContext(ctx, upsertOutboxSQL)
		if err != nil {
			return fmt.Errorf("settle requeued writes: %w", err)
		}
		defer st.Close()
		for i := range s.Requeue {
			if err := upsertOutbox(ctx, st, &s.Requeue[i]); err != nil {
				return fmt.Errorf("settle requeued writes: account %s: %w", s.Requeue[i].AccountID, err)
			}
		}
	}
	return commit(tx)
}
