package engine

import (
	"context"
	"fmt"

	"github.com/lifecycled/lifecycled/connectors/salesforce"
	"github.com/lifecycled/lifecycled/mapping"
)

// Explain reads one account from the CRM and explains its tags and status for
// asOf: inputs, derived values, each smart list, the status rule that fired
// and what would be written. It writes nothing.
func (e *Engine) Explain(ctx context.Context, id string, asOf mapping.Date) (mapping.Explanation, error) {
	if !salesforce.ValidID(id) {
		return mapping.Explanation{}, fmt.Errorf("%q is not a Salesforce record id (15 or 18 letters and digits)", id)
	}
	q := e.query("Id = '" + id + "'")
	var rec salesforce.Record
	err := e.crm.Query(ctx, q, func(page []salesforce.Record) error {
		if len(page) > 0 {
			rec = page[0]
		}
		return nil
	})
	if err != nil {
		return mapping.Explanation{}, fmt.Errorf("read account: %w", err)
	}
	if rec == nil {
		return mapping.Explanation{}, fmt.Errorf("no %s with Id %s in the sync scope", e.opts.Object, id)
	}
	acct, err := e.pack.Decode(rec)
	if err != nil {
		return mapping.Explanation{}, fmt.Errorf("read account: %w", err)
	}
	return e.pack.Explain(acct, asOf), nil
}
