package engine

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/lifecycled/lifecycled/internal/store"
	"github.com/lifecycled/lifecycled/mapping"
)

// CodeInvalidInput is the rejection code for a record whose input fields
// cannot be read (a value of the wrong type, an unparsable date).
const CodeInvalidInput = "INVALID_INPUT"

// CodeTooLong is the rejection code for a tags value longer than the field.
const CodeTooLong = "TAGS_TOO_LONG"

// evaluate computes acct's tags and status from rec and decides its outbox
// entry. prev is the stored account before this pull (nil when new); pulled
// tells whether rec was just read from the CRM (drift is only seen then).
// The returned rejection, when not nil, must be stored after the change.
func (c *cycle) evaluate(acct store.Account, rec mapping.Record, prev *store.Account, pulled bool) (store.Change, *store.Rejection) {
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
		return ch, &store.Rejection{AccountID: acct.ID, Field: field, Code: CodeInvalidInput, Message: err.Error()}
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
	if prev == nil && res.Status != nil || prev != nil && !sameString(prev.DesiredStatus, res.Status) {
		inputs = c.inputs(rec)
		var from *string
		if prev != nil {
			from = prev.DesiredStatus
		}
		ch.History = append(ch.History, store.HistoryEntry{
			AccountID: acct.ID, Kind: "change", From: from, To: res.Status,
			At: c.started, AsOf: a.AsOf, Inputs: inputs,
		})
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

	switch {
	case res.Rejected != "":
		ch.Dequeue = true
		c.run.Rejected++
		return ch, &store.Rejection{
			AccountID: acct.ID, Field: c.e.def.TagsField, Code: CodeTooLong, Message: res.Rejected,
			Tags: res.Tags, Status: res.Status,
		}
	case res.TagsChanged || res.StatusChanged:
		c.run.Changed++
		ch.Outbox = &store.OutboxEntry{
			AccountID: acct.ID,
			Tags:      res.Tags, Status: res.Status,
			WriteTags: res.TagsChanged, WriteStatus: res.StatusChanged,
			BasedOn:     acct.Modstamp,
			NextAttempt: c.started, Created: c.started,
		}
	default:
		ch.Dequeue = true
	}
	return ch, nil
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
	var rejects []store.Rejection
	flush := func() error {
		if err := s.Apply(c.work, changes); err != nil {
			return fmt.Errorf("store recomputed accounts: %w", err)
		}
		if len(rejects) > 0 {
			if err := s.RejectWrites(c.work, rejects); err != nil {
				return fmt.Errorf("store rejections: %w", err)
			}
		}
		changes, rejects = changes[:0], rejects[:0]
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
		ch, rej := c.evaluate(a, rec, &prev, false)
		changes = append(changes, ch)
		if rej != nil {
			rejects = append(rejects, *rej)
		}
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

func sameString(a, b *string) bool {
	switch {
	case a == nil || b == nil:
		return a == nil && b == nil
	default:
		return *a == *b
	}
}
