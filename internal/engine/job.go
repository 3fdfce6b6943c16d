package engine

import (
	"errors"
	"fmt"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce"
	"github.com/lifecycled/lifecycled/internal/store"
)

// Polling a Bulk job: from jobPollMin, doubling up to jobPollMax.
const (
	jobPollMin = 500 * time.Millisecond
	jobPollMax = 10 * time.Second
	// settleChunk bounds the records one store transaction settles.
	settleChunk = 10000
)

// pushJob writes the due entries through one Bulk API 2.0 ingest job. The
// job's Id is committed to the store with the entries it carries before
// any data is sent, so that a restart after a kill -9 polls the job and
// records its results (resumeJob) instead of writing the records again.
func (c *cycle) pushJob() error {
	job, err := c.e.bulk.CreateUpdateJob(c.work, c.e.opts.Object)
	if err != nil {
		return c.jobErr("create a bulk job", err)
	}
	n, err := c.e.store.BeginJob(c.work, job, c.started, MaxJobRecords)
	if err != nil {
		return err
	}
	c.e.logger.Info("writing through a Bulk API 2.0 ingest job", "job", job, "batch_size", n)
	return c.runJob(job, true)
}

// resumeJob finishes the job a previous run left in flight (it was killed,
// or shut down while the job ran), before anything else of the cycle: it
// polls the job and records its results; it never sends the data again.
func (c *cycle) resumeJob() error {
	job, err := c.e.store.JobInFlight(c.work)
	if err != nil || job == "" {
		return err
	}
	c.e.logger.Info("recording the results of a bulk job a previous run left in flight", "job", job)
	return c.runJob(job, false)
}

// runJob uploads the job's data (when upload), polls it until it ends and
// settles its results as they arrive, settleChunk records at a time: the
// data is streamed from the store and the results into it, so a job of a
// million records never sits in memory. Shutdown stops the polling and
// leaves the job in flight for the next start. Records the results do not
// name wait for a pull to read them back (EndJob).
func (c *cycle) runJob(job string, upload bool) error {
	if upload {
		err := c.e.bulk.UploadUpdateJobFrom(c.work, job, []string{c.e.def.TagsField, c.e.def.StatusField},
			func(emit func(salesforce.Update) error) error {
				return c.e.store.EachJobEntry(c.work, job, settleChunk, func(o store.OutboxEntry) error {
					return emit(c.update(o))
				})
			})
		if err != nil {
			if salesforce.Classify(err) != salesforce.ClassAmbiguous {
				return c.abandonJob(job, err)
			}
			// It may be processing: poll it.
		}
	}
	wait := jobPollMin
	for {
		var pending []jobResult
		flush := func() error {
			err := c.settleJob(job, pending)
			pending = pending[:0]
			return err
		}
		state, done, err := c.e.bulk.JobResultsFrom(c.work, job, func(id string, rerr error) error {
			if pending = append(pending, jobResult{id, rerr}); len(pending) == settleChunk {
				return flush()
			}
			return nil
		})
		if err != nil {
			return c.jobErr("poll a bulk job", err)
		}
		if done {
			if err := flush(); err != nil {
				return err
			}
			if state != "JobComplete" {
				c.e.logger.Warn("bulk job ended without completing", "job", job, "state", state)
			}
			return c.e.store.EndJob(c.work, job)
		}
		t := time.NewTimer(wait)
		select {
		case <-c.ctx.Done():
			t.Stop()
			return nil // the job stays in flight; the next start records it
		case <-t.C:
		}
		wait = min(2*wait, jobPollMax)
	}
}

// jobResult is one record's outcome in a job's results.
type jobResult struct {
	id  string
	err error
}

// settleJob records the outcomes of rs, records of job; one the store no
// longer has in the job (settled already, by an earlier read of the same
// results) is skipped.
func (c *cycle) settleJob(job string, rs []jobResult) error {
	if len(rs) == 0 {
		return nil
	}
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.id
	}
	entries, err := c.e.store.JobEntriesOf(c.work, job, ids)
	if err != nil {
		return err
	}
	sent := make([]store.OutboxEntry, 0, len(rs))
	results := make([]salesforce.Result, 0, len(rs))
	for _, r := range rs {
		if o, ok := entries[r.id]; ok {
			delete(entries, r.id) // once, though a retried read named it twice
			sent = append(sent, o)
			results = append(results, salesforce.Result{ID: r.id, Err: r.err})
		}
	}
	st, sent, res := bulkOnly(sent, results, c.started)
	return c.settle(c.outcomes(st, sent, res))
}

// abandonJob aborts a job whose upload failed before it was complete
// (Salesforce processes nothing of an open job) and leaves its records for
// a later attempt.
func (c *cycle) abandonJob(job string, cause error) error {
	if err := c.e.bulk.AbortJob(c.work, job); err != nil {
		c.e.logger.Warn("could not abort a bulk job whose upload failed", "job", job, "error", err)
	}
	var entries []store.OutboxEntry
	if err := c.e.store.EachJobEntry(c.work, job, settleChunk, func(o store.OutboxEntry) error {
		entries = append(entries, o)
		if len(entries) == settleChunk {
			err := c.defer_(entries, cause, salesforce.Classify(cause))
			entries = entries[:0]
			return err
		}
		return nil
	}); err != nil {
		return err
	}
	if err := c.defer_(entries, cause, salesforce.Classify(cause)); err != nil {
		return err
	}
	if err := c.e.store.EndJob(c.work, job); err != nil {
		return err
	}
	return c.jobErr("upload a bulk job", cause)
}

// bulkOnly sets apart the records a Bulk job refused for what only the
// REST API can do, and makes them due again at once, for the sObject
// Collections batches that follow: Bulk API 2.0 takes no duplicate rule
// header (its request headers are Sforce-Call-Options, Content-Type and
// Sforce-Line-Ending: "Bulk API 2.0 Headers"), so a record an active
// duplicate rule matches fails there with DUPLICATES_DETECTED, and is
// saved through Collections with allowSave. The others are returned for
// outcomes.
func bulkOnly(entries []store.OutboxEntry, results []salesforce.Result, now time.Time) (store.Settlement, []store.OutboxEntry, []salesforce.Result) {
	var st store.Settlement
	sent := make([]store.OutboxEntry, 0, len(entries))
	res := make([]salesforce.Result, 0, len(results))
	for i, r := range results {
		var apiErr *salesforce.APIError
		if errors.As(r.Err, &apiErr) && apiErr.Code == "DUPLICATES_DETECTED" {
			st.Deferred = append(st.Deferred, store.Deferred{AccountID: entries[i].AccountID, NextAttempt: now,
				Error: "duplicate rule in a bulk job; written through sObject Collections instead", Paused: true})
			continue
		}
		sent, res = append(sent, entries[i]), append(res, r)
	}
	return st, sent, res
}

// jobErr wraps a bulk job failure; a spent API limit ends the cycle's work.
func (c *cycle) jobErr(what string, err error) error {
	if salesforce.Classify(err) == salesforce.ClassLimit {
		return fmt.Errorf("%s: %w: %w", what, ErrLimitExceeded, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
