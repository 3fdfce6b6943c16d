package plays

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/lifecycled/lifecycled/connectors/salesforce"
	"github.com/lifecycled/lifecycled/internal/store"
)

// taskBatch is the sObject Collections limit: "The list can contain up to
// 200 objects" ("Create Records Using sObject Collections",
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_create.htm).
const taskBatch = salesforce.MaxBatchSize

// deliverTasks creates the due tasks, 200 at a time: it first queries
// which keys already have a Task (created by an attempt whose outcome was
// lost) and records those as sent, then creates the rest and commits each
// outcome. An ambiguous create is left pending: the next run's query finds
// what it created. A failure of the whole call leaves the batch pending
// and stops the tasks of this run.
func (r *Runner) deliverTasks(ctx context.Context, sum *Summary) error {
	seen := map[string]bool{}
	for {
		due, err := r.db.PendingPlays(ctx, "task", r.opts.Now(), taskBatch)
		if err != nil {
			return err
		}
		var batch []store.PlayAction
		for _, a := range due {
			if !seen[a.Key] {
				seen[a.Key] = true
				batch = append(batch, a)
			}
		}
		if len(batch) == 0 {
			return nil
		}
		stop, err := r.taskBatch(ctx, batch, sum)
		if err != nil {
			return err
		}
		if stop || len(due) < taskBatch {
			return nil
		}
	}
}

// taskBatch handles one batch; stop reports a failure of the whole call.
func (r *Runner) taskBatch(ctx context.Context, batch []store.PlayAction, sum *Summary) (stop bool, err error) {
	now := r.opts.Now()
	retryAll := func(cause error) (bool, error) {
		outs := make([]store.PlayOutcome, len(batch))
		for i, a := range batch {
			outs[i] = store.PlayOutcome{Key: a.Key, State: store.PlayPending, Code: "RETRY", Message: cause.Error(), NextAttempt: now}
			r.count(a.Play, "task", "retry")
		}
		sum.Retry += len(batch)
		r.log.Warn("tasks not created; trying again next cycle", "batch_size", len(batch), "error", cause)
		if ctx.Err() != nil {
			return true, nil // shutting down: the outcome is unknown, the next run queries
		}
		return true, r.db.RecordPlays(ctx, outs)
	}
	found, err := r.existing(ctx, batch)
	if err != nil {
		return retryAll(fmt.Errorf("look up play keys: %w", err))
	}
	var outs []store.PlayOutcome
	var send []store.PlayAction
	var records []map[string]any
	for _, a := range batch {
		if id, ok := found[a.Key]; ok {
			outs = append(outs, store.PlayOutcome{Key: a.Key, State: store.PlaySent, Result: id})
			r.count(a.Play, "task", "found")
			sum.Sent++
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal(a.Payload, &rec); err != nil {
			outs = append(outs, store.PlayOutcome{Key: a.Key, State: store.PlayRejected, Code: "INVALID_PAYLOAD", Message: err.Error()})
			r.count(a.Play, "task", "rejected")
			sum.Rejected++
			continue
		}
		send = append(send, a)
		records = append(records, rec)
	}
	if len(outs) > 0 {
		if err := r.db.RecordPlays(ctx, outs); err != nil {
			return true, err
		}
	}
	if len(send) == 0 {
		return false, nil
	}
	results, err := r.crm.Create(ctx, "Task", records)
	if err != nil {
		batch = send
		return retryAll(err)
	}
	outs = outs[:0]
	for i, a := range send {
		res := results[i]
		switch {
		case res.Err == nil:
			outs = append(outs, store.PlayOutcome{Key: a.Key, State: store.PlaySent, Result: res.ID})
			r.count(a.Play, "task", "sent")
			sum.Sent++
		case salesforce.Classify(res.Err) == salesforce.ClassPermanent:
			code, msg := "ERROR", res.Err.Error()
			var ae *salesforce.APIError
			if errors.As(res.Err, &ae) {
				code, msg = ae.Code, ae.Message
			}
			outs = append(outs, store.PlayOutcome{Key: a.Key, State: store.PlayRejected, Code: code, Message: msg})
			r.count(a.Play, "task", "rejected")
			sum.Rejected++
			r.log.Warn("task rejected", "play", a.Play, "account_id", a.AccountID, "code", code, "error", msg)
		default:
			outs = append(outs, store.PlayOutcome{Key: a.Key, State: store.PlayPending, Code: "RETRY", Message: res.Err.Error(), NextAttempt: now})
			r.count(a.Play, "task", "retry")
			sum.Retry++
		}
	}
	return false, r.db.RecordPlays(context.WithoutCancel(ctx), outs)
}

// existing queries the Tasks that carry a key of batch and returns their
// Ids by key. The query filters on WhatId too: a lookup is indexed, so the
// query stays selective on a large Task table ("Make SOQL Query
// Selective", https://developer.salesforce.com/docs/atlas.en-us.salesforce_large_data_volumes_bp.meta/salesforce_large_data_volumes_bp/ldv_deployments_infrastructure_indexes.htm).
func (r *Runner) existing(ctx context.Context, batch []store.PlayAction) (map[string]string, error) {
	accounts := map[string]bool{}
	var ids, keys []string
	for _, a := range batch {
		if !accounts[a.AccountID] {
			accounts[a.AccountID] = true
			ids = append(ids, quote(a.AccountID))
		}
		keys = append(keys, quote(a.Key))
	}
	kf := r.opts.KeyField
	q := "SELECT Id, " + kf + " FROM Task WHERE WhatId IN (" + strings.Join(ids, ", ") + ") AND " +
		kf + " IN (" + strings.Join(keys, ", ") + ")"
	found := map[string]string{}
	err := r.crm.Query(ctx, q, func(page []salesforce.Record) error {
		for _, rec := range page {
			k, _ := rec[kf].(string)
			id, _ := rec["Id"].(string)
			if k != "" && id != "" {
				found[k] = id
			}
		}
		return nil
	})
	return found, err
}

// quote makes a SOQL string literal of an Id or a key (letters and digits
// only; anything else is dropped, so nothing can escape the literal).
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, c := range s {
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			b.WriteRune(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}
