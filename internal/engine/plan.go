package engine

import (
	"context"
	"fmt"
	"sort"

	"github.com/lifecycled/lifecycled/connectors/salesforce"
	"github.com/lifecycled/lifecycled/mapping"
)

// PlannedChange is one field write a plan would make.
type PlannedChange struct {
	AccountID string  `json:"account_id"`
	Field     string  `json:"field"`
	Old       *string `json:"old"`
	New       *string `json:"new"`
}

// PlanResult is what a sync would do, computed without writing anything.
type PlanResult struct {
	AsOf     string          `json:"as_of"`
	Accounts int             `json:"accounts"`
	Tags     map[string]int  `json:"tags"`     // managed tag -> accounts that would carry it
	Statuses map[string]int  `json:"statuses"` // status -> accounts ("" = none)
	Writes   int             `json:"writes"`   // records that would be written
	Fields   int             `json:"fields"`   // field values that would change
	Rejected int             `json:"rejected"` // accounts whose values could not be written
	Invalid  int             `json:"invalid"`  // accounts whose input data cannot be read
	Sample   []PlannedChange `json:"sample"`
}

// Plan reads every managed record from the CRM and computes, for asOf, what a
// sync would write: counts per tag and per status, the number of writes and
// up to sample changes. It writes nothing, to Salesforce or to the store, so
// it can run beside a daemon and before the first sync.
func (e *Engine) Plan(ctx context.Context, asOf mapping.Date, sample int) (PlanResult, error) {
	p := PlanResult{AsOf: asOf.String(), Tags: map[string]int{}, Statuses: map[string]int{}}
	err := e.crm.Query(ctx, e.pullQuery(pullSpec{}), func(page []salesforce.Record) error {
		for _, rec := range page {
			p.Accounts++
			acct, err := e.pack.Decode(rec)
			if err != nil {
				p.Invalid++
				continue
			}
			res := e.pack.Evaluate(acct, asOf)
			for _, t := range res.ManagedTags {
				p.Tags[t]++
			}
			status := ""
			if res.Status != nil {
				status = *res.Status
			}
			p.Statuses[status]++
			if res.Rejected != "" {
				p.Rejected++
				continue
			}
			if !res.TagsChanged && !res.StatusChanged {
				continue
			}
			p.Writes++
			if res.TagsChanged {
				p.Fields++
				p.add(sample, PlannedChange{acct.ID, e.def.TagsField, acct.Tags, res.Tags})
			}
			if res.StatusChanged {
				p.Fields++
				p.add(sample, PlannedChange{acct.ID, e.def.StatusField, acct.Status, res.Status})
			}
		}
		return nil
	})
	if err != nil {
		return p, fmt.Errorf("plan: %w", err)
	}
	sort.SliceStable(p.Sample, func(i, j int) bool { return p.Sample[i].AccountID < p.Sample[j].AccountID })
	return p, nil
}

func (p *PlanResult) add(limit int, c PlannedChange) {
	if len(p.Sample) < limit {
		p.Sample = append(p.Sample, c)
	}
}
