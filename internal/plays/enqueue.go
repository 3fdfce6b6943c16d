package plays

import (
	"context"
	"fmt"
	"strings"

	"github.com/lifecycled/lifecycled/connectors/salesforce"
	"github.com/lifecycled/lifecycled/internal/store"
)

// counts is how many actions of each kind an enqueue made (or would make).
type counts struct{ tasks, webhooks int }

// transitionPage is how many history entries an enqueue reads at a time.
const transitionPage = 1000

// enqueue reads the transitions after each play's cursor and adds the
// actions of the plays they fire to the outbox, moving the cursors in the
// same transaction. A play seen for the first time starts at the
// history's end (at its beginning with Backfill). dry counts without
// writing.
func (r *Runner) enqueue(ctx context.Context, dry bool) (counts, error) {
	var n counts
	cursors, err := r.db.PlayCursors(ctx)
	if err != nil {
		return n, err
	}
	last, err := r.db.LastHistoryID(ctx)
	if err != nil {
		return n, err
	}
	fresh := map[string]int64{}
	for _, p := range r.plays {
		if _, ok := cursors[p.Name]; !ok {
			start := last
			if r.opts.Backfill {
				start = 0
			}
			cursors[p.Name], fresh[p.Name] = start, start
		}
	}
	if len(fresh) > 0 && !dry {
		if err := r.db.EnqueuePlays(ctx, nil, fresh); err != nil {
			return n, err
		}
	}
	after := last
	for _, p := range r.plays {
		after = min(after, cursors[p.Name])
	}
	for after < last {
		trs, err := r.db.PlayTransitions(ctx, after, transitionPage)
		if err != nil {
			return n, err
		}
		if len(trs) == 0 {
			break
		}
		type firing struct {
			p  *play
			tr store.PlayTransition
		}
		var fired []firing
		ids := map[string]bool{}
		for _, tr := range trs {
			for _, p := range r.plays {
				if tr.ID > cursors[p.Name] && p.fires(tr) {
					fired = append(fired, firing{p, tr})
					ids[tr.AccountID] = true
				}
			}
		}
		owners, err := r.accountInfo(ctx, ids)
		if err != nil {
			return n, err
		}
		var acts []store.PlayAction
		for _, f := range fired {
			rows, err := r.fire(ctx, f.p, f.tr, owners[f.tr.AccountID])
			if err != nil {
				r.log.Warn("play not fired", "play", f.p.Name, "account_id", f.tr.AccountID, "error", err)
				continue
			}
			acts = append(acts, rows...)
		}
		end := trs[len(trs)-1].ID
		if len(trs) < transitionPage {
			end = last
		}
		moved := map[string]int64{}
		for _, p := range r.plays {
			if cursors[p.Name] < end {
				cursors[p.Name], moved[p.Name] = end, end
			}
		}
		for _, a := range acts {
			if a.Action == "task" {
				n.tasks++
			} else {
				n.webhooks++
			}
		}
		if !dry {
			if err := r.db.EnqueuePlays(ctx, acts, moved); err != nil {
				return n, err
			}
		}
		after = end
	}
	return n, nil
}

// fire renders the play's actions for tr, or none when its condition does
// not hold for the account as of the transition's date.
func (r *Runner) fire(ctx context.Context, p *play, tr store.PlayTransition, extra map[string]any) ([]store.PlayAction, error) {
	a, err := r.db.Account(ctx, tr.AccountID)
	if err != nil {
		return nil, err
	}
	d, acct, asOf, err := p.data(tr, a)
	if err != nil {
		return nil, err
	}
	for k, v := range extra {
		if _, ok := d.Account[k]; !ok {
			d.Account[k] = v
		}
	}
	if !p.holds(acct, asOf) {
		return nil, nil
	}
	return p.render(tr, d, r.opts.KeyField)
}

// accountFields are read from Salesforce for the accounts a play fires
// for, besides the fields the sync pulls: the owner a task goes to and the
// name templates show.
var accountFields = []string{"Name", "OwnerId"}

// accountInfo reads accountFields of the accounts ids from Salesforce, 200
// Ids a query.
func (r *Runner) accountInfo(ctx context.Context, ids map[string]bool) (map[string]map[string]any, error) {
	out := map[string]map[string]any{}
	var list []string
	for id := range ids {
		list = append(list, quote(id))
	}
	for len(list) > 0 {
		chunk := list[:min(len(list), taskBatch)]
		list = list[len(chunk):]
		q := "SELECT Id, " + strings.Join(accountFields, ", ") + " FROM Account WHERE Id IN (" + strings.Join(chunk, ", ") + ")"
		err := r.crm.Query(ctx, q, func(page []salesforce.Record) error {
			for _, rec := range page {
				id, _ := rec["Id"].(string)
				m := map[string]any{}
				for _, f := range accountFields {
					m[f] = rec[f]
				}
				out[id] = m
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read accounts' owners and names: %w", err)
		}
	}
	return out, nil
}
