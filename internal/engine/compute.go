package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/lifecycled/lifecycled/internal/store"
	"github.com/lifecycled/lifecycled/mapping"
)

// CodeInvalidInput is the rejection code for a record whose input fields
// cannot be read (a value of the wrong type, an unparsable date).
const CodeInvalidInput = "INVALID_INPUT"

// CodeTooLong is the rejection code for a tags value longer than the field.
const CodeTooLong = "TAGS_TOO_LONG"

// CodeRecordType is the rejection code for a status value the account's
// record type does not allow.
const CodeRecordType = "RECORD_TYPE_VALUE"

// evaluate computes acct's tags and status from rec and decides its outbox
// entry. prev is the stored account before this pull (nil when new); pulled
// tells whether rec was just read from the CRM (drift is only seen then).
// Rejections travel in the change.
func (c *cycle) evaluate(acct store.Account, rec mapping.Record, prev *store.Account, pulled bool) store.Change {
	if prev != nil {
		// Keep the last results until new ones are computed.
		acct.DesiredTags, acct.DesiredStatus = prev.DesiredTags, prev.DesiredStatus
		acct.ManagedTags, acct.AsOf, acct.RulesVersion = prev.ManagedTags, prev.AsOf, prev.RulesVersion
	}
	ch := store.Change{Account: acct}
	in, err := c.e.pack.Decode(rec)
	if err != nil {
		// Bad CRM data: keep the record (its watermark counts), write nothing
		// and report the account with the field and the cause.
		ch.Dequeue = true
		field := ""
		var de *mapping.DecodeError
		if errors.As(err, &de) {
			field = de.Field
		}
		c.run.Failed++
		ch.Rejections = []store.Rejection{{AccountID: acct.ID, Field: field, Code: CodeInvalidInput, Message: err.Error()}}
		return ch
	}
	in.Tags, in.Status = acct.CRMTags, acct.CRMStatus
	res := c.e.pack.Evaluate(in, c.asOf)
	c.run.Computed++

	a := &ch.Account
	a.DesiredTags, a.DesiredStatus = res.Tags, res.Status
	a.ManagedTags = res.ManagedTags
	a.AsOf, a.RulesVersion = c.asOf.String(), c.e.opts.RulesVersion

	// History: a new status, or a person's edit of a managed value (drift).
	// The inputs are encoded only for an entry: most evaluations add none.
	var inputs json.RawMessage
	if prev == nil && (res.Status != nil || acct.CRMStatus != nil) || prev != nil && !sameString(prev.DesiredStatus, res.Status) {
		// A first entry's inputs are the account's stored record: kept
		// once, not twice, on the first sync of every account.
		if prev != nil {
			inputs = c.inputs(rec)
		}
		// An account's first entry starts from what Salesforce held before
		// lifecycled's first write.
		from := acct.CRMStatus
		if prev != nil {
			from = prev.DesiredStatus
		}
		ch.History = append(ch.History, store.HistoryEntry{
			AccountID: acct.ID, Kind: "change", From: from, To: res.Status,
			At: c.started, AsOf: a.AsOf, Inputs: inputs,
		})
	}
	// Tags gained and lost, for plays: one entry per managed tag, from the
	// managed tags last computed. A new account's first evaluation adds
	// none: lifecycled did not see it gain them (a status gets its first
	// "change" entry because Salesforce held a value before).
	if prev != nil && !c.firstEval(prev) {
		ch.History = append(ch.History, tagTransitions(acct.ID, prev.ManagedTags, res.ManagedTags, c.started, a.AsOf)...)
	}
	if pulled && prev != nil {
		statusDrift := res.StatusChanged && !sameString(prev.CRMStatus, acct.CRMStatus)
		tagsDrift := res.TagsChanged && !sameString(prev.CRMTags, acct.CRMTags)
		if statusDrift || tagsDrift {
			if inputs == nil {
				inputs = c.inputs(rec)
			}
			c.run.Drift++
			c.e.metrics.drift.Inc()
			from, to := prev.CRMStatus, acct.CRMStatus
			if !statusDrift {
				from, to = prev.CRMTags, acct.CRMTags
			}
			ch.History = append(ch.History, store.HistoryEntry{
				AccountID: acct.ID, Kind: "drift", From: from, To: to,
				At: c.started, AsOf: a.AsOf, Inputs: inputs,
			})
		}
	}

	c.decide(&ch, rec, res)
	return ch
}

// decide sets the account's outbox entry from res: each managed field that
// changed is written, unless it is refused for this account (a tags value
// too long for the field, a status value the account's record type does
// not allow: rejections decided here, again at every evaluation) or held
// by an earlier refusal from Salesforce whose inputs have not changed since
// (retried after sync.retry_rejected_after). One field's refusal never
// holds back the other.
func (c *cycle) decide(ch *store.Change, rec mapping.Record, res mapping.Result) {
	a := &ch.Account
	def := &c.e.def
	tags, status := res.TagsChanged, res.StatusChanged
	refuse := func(field, code, msg string) {
		ch.Rejections = append(ch.Rejections, store.Rejection{AccountID: a.ID, Field: field, Code: code,
			Message: msg, Tags: res.Tags, Status: res.Status})
		if !c.known(a.ID, field, code) {
			c.run.Rejected++
			c.e.metrics.rejections.WithLabelValues(code).Inc()
		}
	}
	if tags && res.Rejected != "" {
		tags = false
		refuse(def.TagsField, CodeTooLong, res.Rejected)
	}
	if status {
		if msg := c.e.recordTypeRefuses(rec, res.Status); msg != "" {
			status = false
			refuse(def.StatusField, CodeRecordType, msg)
		}
	}
	// A refusal the engine decided that no longer holds (the field needs
	// no write now) is resolved, so that no stale rejection stays.
	if !res.TagsChanged && c.known(a.ID, def.TagsField, CodeTooLong) {
		ch.Resolved = append(ch.Resolved, def.TagsField)
	}
	if !res.StatusChanged && c.known(a.ID, def.StatusField, CodeRecordType) {
		ch.Resolved = append(ch.Resolved, def.StatusField)
	}
	tags = tags && !c.held(a.ID, def.TagsField, rec)
	status = status && !c.held(a.ID, def.StatusField, rec)
	if !tags && !status {
		ch.Dequeue = true
		return
	}
	c.run.Changed++
	ch.Outbox = &store.OutboxEntry{
		AccountID: a.ID,
		Tags:      res.Tags, Status: res.Status,
		WriteTags: tags, WriteStatus: status,
		BasedOn:     a.Modstamp,
		NextAttempt: c.started, Created: c.started,
	}
}

// inputs returns the mapped input fields of rec as JSON, for history entries.
func (c *cycle) inputs(rec mapping.Record) json.RawMessage {
	m := make(map[string]any, len(c.e.def.Fields))
	for _, f := range c.e.def.Fields {
		m[f.APIName] = rec[f.APIName]
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return b
}

// recompute evaluates every stored account not yet computed for today's date
// and the current rules: time-based rules change results without any record
// changing, and so does a change of the rules.
func (c *cycle) recompute() error {
	s := c.e.store
	asOf, err := s.Meta(c.work, metaAsOf)
	if err != nil {
		return fmt.Errorf("read as-of: %w", err)
	}
	rules, err := s.Meta(c.work, metaRulesVersion)
	if err != nil {
		return fmt.Errorf("read rules version: %w", err)
	}
	today := c.asOf.String()
	if asOf == today && rules == c.e.opts.RulesVersion {
		return nil
	}
	const chunk = 1000
	var changes []store.Change
	flush := func() error {
		if err := s.Apply(c.work, changes); err != nil {
			return fmt.Errorf("store recomputed accounts: %w", err)
		}
		changes = changes[:0]
		return nil
	}
	err = s.ForEachAccount(c.work, func(a store.Account) error {
		if a.AsOf == today && a.RulesVersion == c.e.opts.RulesVersion {
			return nil
		}
		if c.ctx.Err() != nil {
			return errStopped
		}
		var rec mapping.Record
		if err := json.Unmarshal(a.Record, &rec); err != nil {
			return fmt.Errorf("stored record %s: %w", a.ID, err)
		}
		prev := a
		ch := c.evaluate(a, rec, &prev, false)
		if unchanged(ch, &prev) {
			// Most accounts keep their results from one day to the next:
			// nothing to store for them (the stored as-of date only
			// spares an interrupted recompute some work).
			return nil
		}
		changes = append(changes, ch)
		if len(changes) >= chunk {
			return flush()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("recompute: %w", err)
	}
	if err := flush(); err != nil {
		return err
	}
	if err := s.SetMeta(c.work, metaAsOf, today); err != nil {
		return err
	}
	return s.SetMeta(c.work, metaRulesVersion, c.e.opts.RulesVersion)
}

// firstEval reports whether prev was never evaluated (stored by a pull
// whose evaluation has not run): its managed tags are not a computed set.
func (c *cycle) firstEval(prev *store.Account) bool { return prev.AsOf == "" }

// tagTransitions returns a "tag_added" entry (To: the tag) for each tag of
// now not in before and a "tag_removed" entry (From: the tag) for each tag
// of before not in now, in list order.
func tagTransitions(id string, before, now []string, at time.Time, asOf string) []store.HistoryEntry {
	var out []store.HistoryEntry
	for _, t := range now {
		if !slices.Contains(before, t) {
			out = append(out, store.HistoryEntry{AccountID: id, Kind: "tag_added", To: &t, At: at, AsOf: asOf})
		}
	}
	for _, t := range before {
		if !slices.Contains(now, t) {
			out = append(out, store.HistoryEntry{AccountID: id, Kind: "tag_removed", From: &t, At: at, AsOf: asOf})
		}
	}
	return out
}

func sameString(a, b *string) bool {
	switch {
	case a == nil || b == nil:
		return a == nil && b == nil
	default:
		return *a == *b
	}
}

// unchanged reports whether a recomputation changes nothing of the
// account: the same results as before, nothing to write, no history and
// no rejection.
func unchanged(ch store.Change, prev *store.Account) bool {
	a := &ch.Account
	return ch.Outbox == nil && len(ch.History) == 0 && len(ch.Rejections) == 0 && len(ch.Resolved) == 0 &&
		sameString(a.DesiredTags, prev.DesiredTags) && sameString(a.DesiredStatus, prev.DesiredStatus) &&
		slices.Equal(a.ManagedTags, prev.ManagedTags)
}
