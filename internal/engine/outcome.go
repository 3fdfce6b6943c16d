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

// outcomes adds to st what Salesforce answered for each record of sent,
// whether by sObject Collections or by a Bulk API 2.0 job: written,
// refused (a rejection, per field where Salesforce names one), left for
// later (a passing cause, until it has failed MaxRetryLater times), or
// refused for lack of field access (see denied).
func (c *cycle) outcomes(st store.Settlement, sent []store.OutboxEntry, results []salesforce.Result) store.Settlement {
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
		case cls == salesforce.ClassAmbiguous:
			st.Deferred = append(st.Deferred, store.Deferred{AccountID: o.AccountID, Error: r.Err.Error(),
				NextAttempt: c.nextCycle(), Recheck: true})
		default:
			st.Deferred = append(st.Deferred, store.Deferred{AccountID: o.AccountID, Error: r.Err.Error(),
				NextAttempt: c.retryAt(o.Attempts)})
		}
	}
	c.denied(&st, sent, results, denied)
	return st
}

// denied settles the records Salesforce refused for lack of access: when
// the describe shows a managed field is no longer editable, that field is
// paused (unready, not rejected, one describe for the batch) and the records
// are due again at once without it; otherwise the refusal is about the
// records themselves, and they are rejections.
func (c *cycle) denied(st *store.Settlement, sent []store.OutboxEntry, results []salesforce.Result, idx []int) {
	if len(idx) == 0 {
		return
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
