package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce"
	"github.com/lifecycled/lifecycled/internal/store"
	"github.com/lifecycled/lifecycled/mapping"
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
	var denied []int
	for i, r := range results {
		o := sent[i]
		var apiErr *salesforce.APIError
		switch cls := salesforce.Classify(r.Err); {
		case r.Err == nil:
			st.Written = append(st.Written, store.Written{
				AccountID: o.AccountID, Tags: o.Tags, Status: o.Status,
				WroteTags: o.WriteTags, WroteStatus: o.WriteStatus, Keep: c.unwritten(o),
			})
		case cls == salesforce.ClassFieldAccess:
			denied = append(denied, i)
		case cls == salesforce.ClassPermanent && errors.As(r.Err, &apiErr):
			c.refused(&st, o, apiErr)
		case cls == salesforce.ClassRetryLater && o.Attempts+1 >= c.e.opts.MaxRetryLater && errors.As(r.Err, &apiErr):
			// A passing cause that did not pass: an operator must look.
			cp := *apiErr
			cp.Message = fmt.Sprintf("still failing after %d attempts: %s", o.Attempts+1, apiErr.Message)
			c.refused(&st, o, &cp)
		default:
			st.Deferred = append(st.Deferred, store.Deferred{AccountID: o.AccountID, Error: r.Err.Error(),
				NextAttempt: c.retryAt(o.Attempts)})
		}
	}
	if err := c.denied(&st, sent, results, denied); err != nil {
		return err
	}
	return c.settle(st)
}

// denied settles the records Salesforce refused for lack of access: when
// the describe shows a managed field is no longer editable, that field is
// paused (unready, not rejected, one describe for the batch) and the records
// are due again at once without it; otherwise the refusal is about the
// records themselves, and they are rejections.
func (c *cycle) denied(st *store.Settlement, sent []store.OutboxEntry, results []salesforce.Result, idx []int) error {
	if len(idx) == 0 {
		return nil
	}
	cause := results[idx[0]].Err.Error()
	paused, err := c.checkAccess(cause)
	for _, i := range idx {
		o := sent[i]
		var apiErr *salesforce.APIError
		switch {
		case err != nil:
			st.Deferred = append(st.Deferred, store.Deferred{AccountID: o.AccountID, Error: err.Error(),
				NextAttempt: c.nextCycle(), Paused: true})
		case paused:
			// Due again at once: the next batch leaves the paused field out.
			st.Deferred = append(st.Deferred, store.Deferred{AccountID: o.AccountID, Error: cause,
				NextAttempt: c.started, Paused: true})
		case errors.As(results[i].Err, &apiErr):
			c.refused(st, o, apiErr)
		}
	}
	if err != nil {
		c.e.logger.Warn("could not read field access after writes were refused", "error", err)
	}
	return nil
}

// refused records Salesforce's refusal of o. A refusal that names one of
// the two managed fields refuses that field only: the other is queued
// again on its own.
func (c *cycle) refused(st *store.Settlement, o store.OutboxEntry, apiErr *salesforce.APIError) {
	field := ""
	if len(apiErr.Fields) > 0 {
		field = apiErr.Fields[0]
	}
	def := &c.e.def
	switch {
	case strings.EqualFold(field, def.TagsField) && o.WriteStatus:
		field = def.TagsField
		rest := o
		rest.WriteTags, rest.NextAttempt = false, c.started
		st.Requeue = append(st.Requeue, rest)
	case strings.EqualFold(field, def.StatusField) && o.WriteTags:
		field = def.StatusField
		rest := o
		rest.WriteStatus, rest.NextAttempt = false, c.started
		st.Requeue = append(st.Requeue, rest)
	}
	st.Rejected = append(st.Rejected, store.Rejection{
		AccountID: o.AccountID, Field: field, Code: apiErr.Code, Message: apiErr.Message,
		Tags: o.Tags, Status: o.Status,
	})
	c.e.metrics.rejections.WithLabelValues(apiErr.Code).Inc()
	c.e.logger.Warn("salesforce rejected a write", "account_id", o.AccountID,
		"field", field, "code", apiErr.Code, "error", apiErr.Message)
}

// unwritten returns the managed fields o does not write: their rejections
// survive its success.
func (c *cycle) unwritten(o store.OutboxEntry) []string {
	var keep []string
	if !o.WriteTags {
		keep = append(keep, c.e.def.TagsField)
	}
	if !o.WriteStatus {
		keep = append(keep, c.e.def.StatusField)
	}
	return keep
}

// settle records a batch's outcome and counts it.
func (c *cycle) settle(st store.Settlement) error {
	later := 0
	for _, d := range st.Deferred {
		if !d.Paused {
			later++
		}
	}
	c.run.Written += len(st.Written)
	c.run.Rejected += len(st.Rejected)
	c.run.Failed += later
	c.e.metrics.writes.WithLabelValues("written").Add(float64(len(st.Written)))
	c.e.metrics.writes.WithLabelValues("rejected").Add(float64(len(st.Rejected)))
	c.e.metrics.writes.WithLabelValues("deferred").Add(float64(later))
	if later > 0 {
		c.e.logger.Warn("records left for a later attempt", "count", later, "error", st.Deferred[0].Error)
	}
	if err := c.fingerprint(st.Rejected); err != nil {
		return err
	}
	if err := c.e.store.Settle(c.work, st); err != nil {
		return fmt.Errorf("record writes: %w", err)
	}
	return nil
}

// fingerprint fills in the inputs of Salesforce's refusals from the stored
// records, so that held can tell when the inputs change.
func (c *cycle) fingerprint(rs []store.Rejection) error {
	if len(rs) == 0 {
		return nil
	}
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.AccountID
	}
	accts, err := c.e.store.Accounts(c.work, ids)
	if err != nil {
		return fmt.Errorf("load refused accounts: %w", err)
	}
	for i := range rs {
		var rec mapping.Record
		if a, ok := accts[rs[i].AccountID]; ok && json.Unmarshal(a.Record, &rec) == nil {
			rs[i].Inputs = c.e.fingerprint(rec)
		}
	}
	return nil
}

// nextCycle is a time due in the next cycle, not in this one.
func (c *cycle) nextCycle() time.Time { return c.started.Add(time.Nanosecond) }

// defer_ leaves every entry of a failed batch for a later cycle.
func (c *cycle) defer_(due []store.OutboxEntry, err error, cls salesforce.Class) error {
	later := make([]store.Deferred, len(due))
	for i, o := range due {
		at := c.retryAt(o.Attempts)
		if cls == salesforce.ClassAmbiguous || cls == salesforce.ClassLimit {
			at = c.nextCycle() // after the next cycle has pulled
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
