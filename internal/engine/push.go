package engine

import (
	"fmt"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce"
	"github.com/lifecycled/lifecycled/internal/store"
)

// Retry delays for records the CRM could not write this time.
const (
	retryBase = time.Second
	retryMax  = time.Hour
)

// overBudget reports whether API usage has passed the configured share of the
// org's daily limit, as the last Sforce-Limit-Info header told.
func (e *Engine) overBudget() bool {
	used, max := e.crm.Usage()
	return e.opts.MaxAPIShare > 0 && max > 0 && float64(used) >= e.opts.MaxAPIShare*float64(max)
}

// push writes due outbox entries until none is due, the API budget is
// spent, or shutdown begins: more than Options.BulkWriteThreshold of them
// through a Bulk API 2.0 ingest job, the rest in sObject Collections
// batches. Entries deferred in this cycle are due only in a later one.
func (c *cycle) push() error {
	if c.e.bulk != nil && c.e.opts.BulkWriteThreshold >= 0 && !c.e.overBudget() {
		n, err := c.e.store.CountDue(c.work, c.started)
		if err != nil {
			return fmt.Errorf("read outbox: %w", err)
		}
		if n > c.e.opts.BulkWriteThreshold {
			if err := c.pushJob(); err != nil {
				return err
			}
		}
	}
	for {
		if c.ctx.Err() != nil {
			return nil
		}
		if c.e.overBudget() {
			used, max := c.e.crm.Usage()
			c.e.logger.Warn("api budget spent: writes stop until the next cycle",
				"api_used", used, "api_max", max, "max_api_share", c.e.opts.MaxAPIShare)
			c.limited = true
			return nil
		}
		due, err := c.e.store.DueOutbox(c.work, c.started, c.e.opts.BatchSize)
		if err != nil {
			return fmt.Errorf("read outbox: %w", err)
		}
		if len(due) == 0 {
			return nil
		}
		if err := c.pushBatch(due); err != nil {
			return err
		}
	}
}

// pushBatch writes one batch and records each record's outcome, in one
// store transaction. A paused field is left out of the writes; an entry with
// nothing left to write waits for the field to resume.
func (c *cycle) pushBatch(due []store.OutboxEntry) error {
	var st store.Settlement
	sent := make([]store.OutboxEntry, 0, len(due))
	for _, o := range due {
		o.WriteTags = o.WriteTags && !c.e.access.isPaused(c.e.def.TagsField)
		o.WriteStatus = o.WriteStatus && !c.e.access.isPaused(c.e.def.StatusField)
		if !o.WriteTags && !o.WriteStatus {
			st.Deferred = append(st.Deferred, store.Deferred{AccountID: o.AccountID, Paused: true,
				Error: "waiting for field access: " + c.e.Blocked(), NextAttempt: c.nextCycle()})
			continue
		}
		sent = append(sent, o)
	}
	if len(sent) == 0 {
		return c.settle(st)
	}
	updates := make([]salesforce.Update, len(sent))
	for i, o := range sent {
		updates[i] = c.update(o)
	}
	// Flag the records before they leave: if the process dies before their
	// outcome is recorded, the next pull reads them back first.
	ids := make([]string, len(sent))
	for i, o := range sent {
		ids[i] = o.AccountID
	}
	if err := c.e.store.MarkSending(c.work, ids); err != nil {
		return err
	}
	results, err := c.e.crm.Update(c.work, c.e.opts.Object, updates)
	if err != nil {
		// The whole call failed: nothing is known to be written. The next
		// cycle pulls first, so a write that did land is seen, not repeated.
		cls := salesforce.Classify(err)
		if derr := c.defer_(sent, err, cls); derr != nil {
			return derr
		}
		switch cls {
		case salesforce.ClassLimit:
			return fmt.Errorf("push: %w: %w", ErrLimitExceeded, err)
		case salesforce.ClassAmbiguous, salesforce.ClassTransient, salesforce.ClassRetryLater:
			c.limited = true
			c.e.logger.Warn("write batch left for the next cycle", "batch_size", len(sent), "error", err)
			return c.settle(st)
		default:
			return fmt.Errorf("push: %w", err)
		}
	}
	if len(results) != len(sent) {
		return fmt.Errorf("push: %d results for %d records", len(results), len(sent))
	}
	st = c.outcomes(st, sent, results)
	return c.settle(st)
}

// defer_ leaves every entry of a failed batch for a later cycle.
func (c *cycle) defer_(due []store.OutboxEntry, err error, cls salesforce.Class) error {
	later := make([]store.Deferred, len(due))
	for i, o := range due {
		at := c.retryAt(o.Attempts)
		if cls == salesforce.ClassAmbiguous || cls == salesforce.ClassLimit {
			at = c.nextCycle() // after the next cycle has pulled
		}
		// A write that may have landed waits until a pull has read the
		// record back (the incremental pull leaves lifecycled's own
		// writes out otherwise).
		later[i] = store.Deferred{AccountID: o.AccountID, Error: err.Error(), NextAttempt: at,
			Recheck: cls == salesforce.ClassAmbiguous}
	}
	c.run.Failed += len(later)
	c.e.metrics.writes.WithLabelValues("deferred").Add(float64(len(later)))
	if derr := c.e.store.DeferWrites(c.work, later); derr != nil {
		return fmt.Errorf("record deferred writes: %w", derr)
	}
	return nil
}

// retryAt is when a record that failed attempts times is tried again:
// exponential from one second, capped at an hour and at one interval, and
// never inside the current cycle.
func (c *cycle) retryAt(attempts int) time.Time {
	d := retryBase << min(attempts, 20)
	d = min(d, retryMax, c.e.opts.Interval)
	return c.started.Add(max(d, time.Nanosecond))
}

// update is the write of o's fields.
func (c *cycle) update(o store.OutboxEntry) salesforce.Update {
	f := make(map[string]any, 2)
	if o.WriteTags {
		f[c.e.def.TagsField] = nullable(o.Tags)
	}
	if o.WriteStatus {
		f[c.e.def.StatusField] = nullable(o.Status)
	}
	return salesforce.Update{ID: o.AccountID, Fields: f}
}

// nullable turns a nil *string into a JSON null.
func nullable(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}
