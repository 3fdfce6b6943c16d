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
// settles its results. Shutdown stops the polling and leaves the job in
// flight for the next start.
func (c *cycle) runJob(job string, upload bool) error {
	entries, err := c.e.store.JobEntries(c.work, job)
	if err != nil {
		return err
	}
	updates := make([]salesforce.Update, len(entries))
	for i, o := range entries {
		updates[i] = c.update(o)
	}
	if upload {
		if err := c.e.bulk.UploadUpdateJob(c.work, job, updates); err != nil {
			if salesforce.Classify(err) != salesforce.ClassAmbiguous {
				// Not marked complete: Salesforce processes nothing of
				// it. Abort it and try the records again later.
				if aerr := c.e.bulk.AbortJob(c.work, job); aerr != nil {
					c.e.logger.Warn("could not abort a bulk job whose upload failed", "job", job, "error", aerr)
				}
				if derr := c.defer_(entries, err, salesforce.Classify(err)); derr != nil {
					return derr
				}
				if eerr := c.e.store.EndJob(c.work, job); eerr != nil {
					return eerr
				}
				return c.jobErr("upload a bulk job", err)
			}
			// It may be processing: poll it.
		}
	}
	wait := jobPollMin
	var results []salesforce.Result
	for {
		var done bool
		results, done, err = c.e.bulk.UpdateJobResults(c.work, job, updates)
		if err != nil {
			return c.jobErr("poll a bulk job", err)
		}
		if done {
			break
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
	if len(results) != len(entries) {
		return fmt.Errorf("bulk job %s: %d results for %d records", job, len(results), len(entries))
	}
	for i := 0; i < len(entries); i += settleChunk {
		j := min(i+settleChunk, len(entries))
		st, sent, res := bulkOnly(entries[i:j], results[i:j], c.started)
		if err := c.settle(c.outcomes(st, sent, res)); err != nil {
			return err
		}
	}
	return c.e.store.EndJob(c.work, job)
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
