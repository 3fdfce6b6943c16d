package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/lifecycled/lifecycled/internal/store"
	"github.com/lifecycled/lifecycled/mapping"
)

// RecordType is one record type of the managed object, as the engine needs
// it: its name for messages and the status values it allows.
type RecordType struct {
	ID     string          // 15- or 18-character Id
	Name   string          // its label, for rejection messages
	Status map[string]bool // the status field's values this record type allows
}

// recordTypeField is the standard field that holds a record's record type.
const recordTypeField = "RecordTypeId"

// recordTypeRefuses returns why status cannot be written to rec, or "" when
// it can: a restricted picklist's values are allowed per record type, and
// Salesforce refuses a value the record's type does not allow with
// INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST ("Picklist values by record type",
// https://help.salesforce.com/s/articleView?id=sf.fields_creating_picklists_record_types.htm).
// A record with no record type has the user's default one. Clearing the
// field (nil) is always allowed.
func (e *Engine) recordTypeRefuses(rec mapping.Record, status *string) string {
	if len(e.opts.RecordTypes) == 0 || status == nil {
		return ""
	}
	id, _ := rec[recordTypeField].(string)
	if id == "" {
		id = e.opts.DefaultRecordType
	}
	rt, ok := e.opts.RecordTypes[id15(id)]
	if !ok {
		return fmt.Sprintf("record type %s is unknown to lifecycled (restart it to read the org's record types again); status %q not written",
			id, *status)
	}
	if rt.Status[*status] {
		return ""
	}
	return fmt.Sprintf("record type %q (%s) does not allow the status value %q: add it to the picklist values of that record type, or keep such accounts out of scope",
		rt.Name, id, *status)
}

// id15 returns the case-sensitive 15-character form of a Salesforce Id.
func id15(id string) string {
	if len(id) == 18 {
		return id[:15]
	}
	return id
}

// held reports whether Salesforce refused the account's write of field (or
// of the whole record) for the same inputs as rec's, less than
// sync.retry_rejected_after ago: such a write is not sent again until the
// inputs change or that time has passed. The inputs are compared, not the
// SystemModstamp, which lifecycled's own write of the other field moves.
func (c *cycle) held(id, field string, rec mapping.Record) bool {
	fp := ""
	for _, r := range c.rejections[id] {
		if r.Inputs == "" || (r.Field != field && c.e.managed(r.Field)) {
			continue // decided by the engine, or a refusal of the other field
		}
		if fp == "" {
			fp = c.e.fingerprint(rec)
		}
		if r.Inputs == fp && c.started.Sub(r.LastSeen) < c.e.opts.RetryRejectedAfter {
			return true
		}
	}
	return false
}

// fingerprint identifies the inputs of rec the rules read: the mapped
// fields and the record type.
func (e *Engine) fingerprint(rec mapping.Record) string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for _, f := range e.def.Fields {
		enc.Encode([]any{f.APIName, rec[f.APIName]}) //nolint:errcheck // JSON values from a record always encode
	}
	enc.Encode(rec[recordTypeField]) //nolint:errcheck
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// managed reports whether field is one of the two fields lifecycled writes.
func (e *Engine) managed(field string) bool {
	return field != "" && (field == e.def.TagsField || field == e.def.StatusField)
}

// loadRejections reads the stored rejections by account: held compares
// Salesforce's refusals with the inputs, and known tells a rejection the
// engine decides again from a new one.
func (c *cycle) loadRejections() error {
	all, err := c.e.store.Rejections(c.work, 0)
	if err != nil {
		return err
	}
	c.rejections = map[string][]store.Rejection{}
	for _, r := range all {
		c.rejections[r.AccountID] = append(c.rejections[r.AccountID], r)
	}
	return nil
}

// known reports whether the account already has this rejection, so that a
// refusal decided again at each evaluation is counted once.
func (c *cycle) known(id, field, code string) bool {
	for _, r := range c.rejections[id] {
		if r.Field == field && r.Code == code {
			return true
		}
	}
	return false
}
