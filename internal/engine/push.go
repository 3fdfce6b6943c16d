package engine

import (
	"errors"
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

// push writes due outbox entries in batches until none is due, the API budget
// is spent, or shutdown begins. Entries deferred in this cycle are due only
// in a later one.
func (c *cycle) push() error {
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

// pushBatch writes one batch and records each record's outcome.
func (c *cycle) pushBatch(due []store.OutboxEntry) error {
	updates := make([]salesforce.Update, len(due))
	for i, o := range due {
		f := map[string]any{}
		if o.WriteTags {
			f[c.e.def.TagsField] = nullable(o.Tags)
		}
		if o.WriteStatus {
			f[c.e.def.StatusField] = nullable(o.Status)
		}
		updates[i] = salesforce.Update{ID: o.AccountID, Fields: f}
	}
	results, err := c.e.crm.Update(c.work, c.e.opts.Object, updates)
	if err != nil {
		// The whole call failed: nothing is known to be written. The next
		// cycle pulls first, so a write that did land is seen, not repeated.
		cls := salesforce.Classify(err)
		if derr := c.defer_(due, err, cls); derr != nil {
			return derr
		}
		switch cls {
		case salesforce.ClassLimit:
			return fmt.Errorf("push: %w: %w", ErrLimitExceeded, err)
		case salesforce.ClassAmbiguous, salesforce.ClassTransient, salesforce.ClassRetryLater:
			c.limited = true
			c.e.logger.Warn("write batch left for the next cycle", "batch_size", len(due), "error", err)
			return nil
		default:
			return fmt.Errorf("push: %w", err)
		}
	}
	if len(results) != len(due) {
		return fmt.Errorf("push: %d results for %d records", len(results), len(due))
	}
	var done []store.Written
	var later []store.Deferred
	var rejects []store.Rejection
	for i, r := range results {
		o := due[i]
		if r.Err == nil {
			done = append(done, store.Written{
				AccountID: o.AccountID, Tags: o.Tags, Status: o.Status,
				WroteTags: o.WriteTags, WroteStatus: o.WriteStatus,
			})
			continue
		}
		var apiErr *salesforce.APIError
		if salesforce.Classify(r.Err) == salesforce.ClassPermanent && errors.As(r.Err, &apiErr) {
			field := ""
			if len(apiErr.Fields) > 0 {
				field = apiErr.Fields[0]
			}
			rejects = append(rejects, store.Rejection{
				AccountID: o.AccountID, Field: field, Code: apiErr.Code, Message: apiErr.Message,
				Tags: o.Tags, Status: o.Status,
			})
			c.e.metrics.rejections.WithLabelValues(apiErr.Code).Inc()
			c.e.logger.Warn("salesforce rejected a write", "account_id", o.AccountID,
				"field", field, "code", apiErr.Code, "error", apiErr.Message)
			continue
		}
		later = append(later, store.Deferred{AccountID: o.AccountID, Error: r.Err.Error(), NextAttempt: c.retryAt(o.Attempts)})
	}
	c.run.Written += len(done)
	c.run.Rejected += len(rejects)
	c.run.Failed += len(later)
	c.e.metrics.writes.WithLabelValues("written").Add(float64(len(done)))
	c.e.metrics.writes.WithLabelValues("rejected").Add(float64(len(rejects)))
	c.e.metrics.writes.WithLabelValues("deferred").Add(float64(len(later)))
	if err := c.e.store.CompleteWrites(c.work, done); err != nil {
		return fmt.Errorf("record writes: %w", err)
	}
	if len(rejects) > 0 {
		if err := c.e.store.RejectWrites(c.work, rejects); err != nil {
			return fmt.Errorf("record rejections: %w", err)
		}
	}
	if len(later) > 0 {
		c.e.logger.Warn("records left for a later attempt", "count", len(later), "error", later[0].Error)
		if err := c.e.store.DeferWrites(c.work, later); err != nil {
			return fmt.Errorf("record deferred writes: %w", err)
		}
	}
	return nil
}

// defer_ leaves every entry of a failed batch for a later cycle.
func (c *cycle) defer_(due []store.OutboxEntry, err error, cls salesforce.Class) error {
	later := make([]store.Deferred, len(due))
	for i, o := range due {
		at := c.retryAt(o.Attempts)
		if cls == salesforce.ClassAmbiguous || cls == salesforce.ClassLimit {
			at = c.started.Add(time.Nanosecond) // the next cycle, after it has pulled
		}
		later[i] = store.Deferred{AccountID: o.AccountID, Error: err.Error(), NextAttempt: at}
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

// nullable turns a nil *string into a JSON null.
func nullable(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}
