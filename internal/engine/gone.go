package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/lifecycled/lifecycled/connectors/salesforce"
	"github.com/lifecycled/lifecycled/internal/store"
	"github.com/lifecycled/lifecycled/mapping"
)

// clearGone handles accounts the last full pull did not see: they were
// deleted or left the `where` scope. Their managed tags and status are cleared
// once, then they are forgotten. The values to clear are read again first
// (the stored ones may predate a person's edit that also moved the record
// out of scope), so foreign tags are kept as Salesforce holds them now and
// deleted records, which the read does not return, are simply forgotten.
// Accounts whose clearing failed for a passing reason are tried again next
// cycle: the set is derived from the store each time, so a crash loses
// nothing.
func (c *cycle) clearGone() error {
	if c.lastFul == 0 || c.ctx.Err() != nil {
		return nil
	}
	gone, err := c.e.store.AccountsNotSeen(c.work, c.lastFul)
	if err != nil {
		return fmt.Errorf("find gone accounts: %w", err)
	}
	for len(gone) > 0 && c.ctx.Err() == nil && !c.e.overBudget() {
		n := min(len(gone), c.e.opts.BatchSize)
		batch := gone[:n]
		gone = gone[n:]
		if err := c.clearBatch(batch); err != nil {
			if salesforce.Classify(err) == salesforce.ClassLimit {
				return fmt.Errorf("clear gone accounts: %w: %w", ErrLimitExceeded, err)
			}
			if errors.Is(err, errStore) {
				return err
			}
			c.e.logger.Warn("clearing gone accounts left for the next cycle", "batch_size", n, "error", err)
			return nil
		}
	}
	return nil
}

// errStore marks a state-file failure while clearing gone accounts.
var errStore = errors.New("state")

// clearBatch re-reads up to BatchSize gone accounts, clears the managed
// values of those that still exist and forgets every account it settled.
func (c *cycle) clearBatch(batch []store.Account) error {
	quoted := make([]string, len(batch))
	byID := make(map[string]store.Account, len(batch))
	for i, a := range batch {
		quoted[i] = "'" + a.ID + "'"
		byID[a.ID] = a
	}
	tf, sf := c.e.def.TagsField, c.e.def.StatusField
	// The Id list is unaffected by the sync scope: accounts outside it are
	// exactly the ones to clear.
	q := fmt.Sprintf("SELECT Id, %s, %s FROM %s WHERE Id IN (%s)", tf, sf, c.e.opts.Object, strings.Join(quoted, ", "))
	current := map[string]salesforce.Record{}
	err := c.e.crm.Query(c.work, q, func(page []salesforce.Record) error {
		for _, r := range page {
			if id, ok := r["Id"].(string); ok {
				current[id] = r
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read gone accounts: %w", err)
	}
	var forget []string
	var updates []salesforce.Update
	var targets []store.Account
	for _, a := range batch {
		rec, exists := current[a.ID]
		if !exists {
			forget = append(forget, a.ID) // deleted: nothing to clear
			continue
		}
		a.CRMTags, a.CRMStatus = stringField(rec, tf), stringField(rec, sf)
		if !c.hasManaged(a) {
			forget = append(forget, a.ID)
			continue
		}
		targets = append(targets, a)
		updates = append(updates, salesforce.Update{ID: a.ID, Fields: map[string]any{
			tf: nullable(c.foreignOnly(a.CRMTags)),
			sf: nil,
		}})
	}
	var cleared []store.Change
	if len(updates) > 0 {
		results, err := c.e.crm.Update(c.work, c.e.opts.Object, updates)
		if err != nil {
			return err
		}
		for i, r := range results {
			if r.Err != nil && salesforce.Classify(r.Err) != salesforce.ClassPermanent {
				continue // try again next cycle
			}
			a := targets[i]
			forget = append(forget, a.ID)
			if r.Err != nil {
				continue // e.g. deleted meanwhile: nothing left to clear
			}
			c.run.Written++
			c.e.metrics.writes.WithLabelValues("written").Inc()
			from := a.CRMStatus
			a.CRMTags, a.CRMStatus = c.foreignOnly(a.CRMTags), nil
			cleared = append(cleared, store.Change{Account: a, Dequeue: true, History: []store.HistoryEntry{{
				AccountID: a.ID, Kind: "cleared", From: from, At: c.started, AsOf: c.asOf.String(),
			}}})
		}
	}
	if err := c.e.store.Apply(c.work, cleared); err != nil {
		return fmt.Errorf("%w: record cleared accounts: %w", errStore, err)
	}
	if len(forget) == 0 {
		return nil
	}
	c.run.Deleted += len(forget)
	if err := c.e.store.Forget(c.work, forget); err != nil {
		return fmt.Errorf("%w: forget gone accounts: %w", errStore, err)
	}
	c.e.logger.Info("forgot accounts that left Salesforce or the sync scope", "count", len(forget))
	return nil
}

// hasManaged reports whether the CRM still holds a managed value for a.
func (c *cycle) hasManaged(a store.Account) bool {
	if a.CRMStatus != nil && *a.CRMStatus != "" {
		return true
	}
	if a.CRMTags == nil {
		return false
	}
	return slices.ContainsFunc(mapping.SplitTags(*a.CRMTags, c.e.def.Separator), c.e.pack.IsManaged)
}

// foreignOnly returns tags with every managed tag removed (nil when nothing
// is left), keeping the other tags in their order.
func (c *cycle) foreignOnly(tags *string) *string {
	if tags == nil {
		return nil
	}
	s := mapping.MergeTags(*tags, c.e.def.Separator, c.e.pack.IsManaged, nil)
	if s == "" {
		return nil
	}
	return &s
}
