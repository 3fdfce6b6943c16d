package engine

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce"
	"github.com/lifecycled/lifecycled/internal/store"
)

// modstampLayout is how Salesforce formats datetime fields in REST responses,
// e.g. 2024-03-01T12:00:00.000+0000 (REST API Developer Guide, "Valid Date and
// DateTime Formats").
const modstampLayout = "2006-01-02T15:04:05.000-0700"

// selectFields lists the fields a pull reads: Id, SystemModstamp, every mapped
// input field, the tags field and the status field, each once, and
// RecordTypeId when the object has record types.
func (e *Engine) selectFields() []string {
	seen := map[string]bool{}
	var out []string
	add := func(f string) {
		k := strings.ToLower(f)
		if f == "" || seen[k] {
			return
		}
		seen[k] = true
		out = append(out, f)
	}
	add("Id")
	add("SystemModstamp")
	for _, f := range e.def.Fields {
		add(f.APIName)
	}
	add(e.def.TagsField)
	add(e.def.StatusField)
	if len(e.opts.RecordTypes) > 0 {
		add(recordTypeField)
	}
	return out
}

// pullQuery builds the SOQL for a pull. An incremental pull reads records
// whose SystemModstamp is at or after since; when others is set, only those
// someone else changed last (LastModifiedById is not the integration user:
// lifecycled does not read back its own writes), plus the records of ids
// whatever their modstamp. A REST query orders by SystemModstamp then Id,
// which keeps pages stable when many records share a timestamp; a Bulk
// query leaves the order to Salesforce.
//
// SOQL datetime literals are unquoted, e.g. 2024-03-01T12:00:00Z (SOQL and
// SOSL Reference, "Date Formats and Date Literals").
func (e *Engine) pullQuery(p pullSpec) string {
	var cond string
	if !p.since.IsZero() {
		cond = "SystemModstamp >= " + p.since.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z")
		if p.others != "" {
			cond += " AND LastModifiedById != " + soqlString(p.others)
		}
		if len(p.ids) > 0 {
			quoted := make([]string, len(p.ids))
			for i, id := range p.ids {
				quoted[i] = soqlString(id)
			}
			cond = "((" + cond + ") OR Id IN (" + strings.Join(quoted, ", ") + "))"
		}
	}
	q := e.query(cond)
	if !p.bulk {
		q += " ORDER BY SystemModstamp, Id"
	}
	return q
}

// soqlString quotes s as a SOQL string literal.
func soqlString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// query returns a SELECT of the managed fields limited to the sync scope and
// to cond, when not empty.
func (e *Engine) query(cond string) string {
	var conds []string
	if w := strings.TrimSpace(e.opts.Where); w != "" {
		conds = append(conds, "("+w+")")
	}
	if cond != "" {
		conds = append(conds, cond)
	}
	q := "SELECT " + strings.Join(e.selectFields(), ", ") + " FROM " + e.opts.Object
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	return q
}

// pull reads changed records (all records on a full pull), recomputes them and
// stores each page with its outbox changes in one transaction. The watermark
// advances only when the whole pull succeeded, so an interrupted pull is
// repeated from the same point.
func (c *cycle) pull() error {
	p := pullSpec{}
	if !c.full {
		wm, err := c.e.store.Meta(c.work, metaWatermark)
		if err != nil {
			return fmt.Errorf("read watermark: %w", err)
		}
		t, err := time.Parse(time.RFC3339Nano, wm)
		if err != nil {
			return fmt.Errorf("stored watermark %q: %w", wm, err)
		}
		p.since = t.Add(-c.e.opts.Overlap)
		if err := c.othersOnly(&p); err != nil {
			return err
		}
	}
	high, serverAt, err := c.fetch(p)
	c.firstPull = false // the store holds what this pull read
	if err != nil {
		return err
	}
	c.pulledAt = serverAt
	if p.others == "" {
		// Every change in the window was read, lifecycled's own included:
		// no write waits for a read-back any more.
		if err := c.e.store.ClearRecheck(c.work); err != nil {
			return err
		}
	}
	return c.finishPull(high, serverAt)
}

// finishPull records the new watermark and, after a full pull, when it ran.
//
// The watermark is the later of the highest SystemModstamp seen and
// Salesforce's time when it answered the query (serverAt, from the response's
// Date header): every record changed before then was in the pull, unless its
// transaction committed late, which the overlap window subtracted at the next
// pull covers. Taking the query time (not only the highest modstamp) keeps
// the next pull from re-reading what the last push wrote. Only when the CRM
// sent no time does the host's clock stand in (then it must be within the
// overlap of Salesforce's: NTP).
func (c *cycle) finishPull(high, serverAt time.Time) error {
	s := c.e.store
	at := serverAt
	if at.IsZero() {
		at = c.started
	}
	if at.After(high) {
		high = at
	}
	old, err := s.Meta(c.work, metaWatermark)
	if err != nil {
		return err
	}
	if t, perr := time.Parse(time.RFC3339Nano, old); perr != nil || high.After(t) {
		if err := s.SetMeta(c.work, metaWatermark, high.UTC().Format(time.RFC3339Nano)); err != nil {
			return fmt.Errorf("save watermark: %w", err)
		}
	}
	if !c.full {
		return nil
	}
	c.lastFul = c.run.ID
	for k, v := range map[string]string{
		metaLastFull:     c.started.UTC().Format(time.RFC3339Nano),
		metaLastFullID:   strconv.FormatInt(c.run.ID, 10),
		metaFullCount:    strconv.Itoa(c.run.Pulled),
		metaScopeVersion: c.e.opts.ScopeVersion,
	} {
		if err := s.SetMeta(c.work, k, v); err != nil {
			return fmt.Errorf("save %s: %w", k, err)
		}
	}
	return nil
}

// pullPage stores one page of pulled records with their computed results and
// returns the page's highest SystemModstamp.
func (c *cycle) pullPage(page []salesforce.Record, seen int64) (time.Time, error) {
	var high time.Time
	changes := make([]store.Change, 0, len(page))
	ids := make([]string, 0, len(page))
	for _, rec := range page {
		if id, ok := rec["Id"].(string); ok {
			ids = append(ids, id)
		}
	}
	var stored map[string]store.Account
	if !c.firstPull {
		var err error
		if stored, err = c.e.store.Accounts(c.work, ids); err != nil {
			return high, fmt.Errorf("load accounts: %w", err)
		}
	}
	for i, rec := range page {
		id, _ := rec["Id"].(string)
		if id == "" {
			return high, fmt.Errorf("record %d of a page has no Id", i)
		}
		raw, _ := rec["SystemModstamp"].(string)
		mod, err := time.Parse(modstampLayout, raw)
		if err != nil {
			return high, fmt.Errorf("record %s: SystemModstamp %q: %w", id, raw, err)
		}
		if mod.After(high) {
			high = mod
		}
		body, err := json.Marshal(c.e.kept(rec))
		if err != nil {
			return high, fmt.Errorf("record %s: %w", id, err)
		}
		var prev *store.Account
		seenBy := seen
		if old, ok := stored[id]; ok {
			prev = &old
			seenBy = max(seenBy, old.SeenPull)
		}
		acct := store.Account{
			ID:        id,
			Record:    body,
			Modstamp:  mod,
			CRMTags:   stringField(rec, c.e.def.TagsField),
			CRMStatus: stringField(rec, c.e.def.StatusField),
			SeenPull:  seenBy,
		}
		changes = append(changes, c.evaluate(acct, rec, prev, true))
	}
	if !c.refreshing {
		c.run.Pulled += len(page)
		c.e.metrics.pulled.Add(float64(len(page)))
	}
	if err := c.e.store.Apply(c.work, changes); err != nil {
		return high, fmt.Errorf("store page: %w", err)
	}
	return high, nil
}

// stringField returns a text field's value, nil when null or absent.
func stringField(rec map[string]any, field string) *string {
	if field == "" {
		return nil
	}
	s, ok := rec[field].(string)
	if !ok {
		return nil
	}
	return &s
}

// kept returns what the store keeps of a pulled record: the inputs the
// rules read (the mapped fields and the record type). The Id and
// SystemModstamp have columns of their own, and so have the tags and status
// Salesforce holds; keeping each once keeps the state file small.
func (e *Engine) kept(rec salesforce.Record) map[string]any {
	m := make(map[string]any, len(e.def.Fields)+1)
	for _, f := range e.def.Fields {
		if v, ok := rec[f.APIName]; ok {
			m[f.APIName] = v
		}
	}
	if v, ok := rec[recordTypeField]; ok {
		m[recordTypeField] = v
	}
	return m
}
