package salesforce

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// UpdateJobResults polls an update job once (GET .../jobs/ingest/{id}).
// While Salesforce processes it (UploadComplete, InProgress) it returns
// done false. A job still Open (its upload never completed, e.g. the
// process died between upload and close) is aborted and every record is
// reported not sent. A job that ended (JobComplete, Failed, Aborted) gets
// its successful, failed and unprocessed records read ("Get Job Successful
// Record Results", "Get Job Failed Record Results", "Get Job Unprocessed
// Record Results",
// https://developer.salesforce.com/docs/platform/api-asynch/guide/get-job-failed-results.html)
// and one Result per Update of batch, in input order, matched by record Id
// (the order of the results resources "is not guaranteed to match the
// ordering of records in the original job data"). batch must be the batch
// uploaded; asking again gives the same answer, so a restart can call it
// for a job stored before a crash.
//
// A Result's Err is nil (written), an *APIError parsed from sf__Error and
// classified like an sObject Collections per-record error (a trigger's
// automation failure, which Bulk cannot isolate to its record, is
// ClassRetryLater), a not-sent *TransportError for a record Salesforce did
// not process (unprocessed, the job aborted, or failed with errorMessage),
// the encoding error of a record that could not be uploaded, or an
// *AmbiguousError for a record of a finished job that no results resource
// lists ("Results are not recorded for batches that exceed the daily batch
// allocation"). The error is for the call (a read that failed, an abort
// that failed).
func (c *Client) UpdateJobResults(ctx context.Context, jobID string, batch []Update) ([]Result, bool, error) {
	if !ValidID(jobID) {
		return nil, false, fmt.Errorf("update job results: invalid job id %q", snippet(jobID))
	}
	job, err := c.jobInfo(ctx, jobID)
	if err != nil {
		return nil, false, fmt.Errorf("update job %s: %w", jobID, err)
	}
	if !isJobState(job.State) {
		return nil, false, fmt.Errorf("update job %s: %w", jobID, &TransportError{Op: "bulk ingest", Sent: true,
			Err: fmt.Errorf("%w: unknown job state %q", ErrMalformedResponse, snippet(job.State))})
	}
	_, encErrs := encodeIngestCSV(batch)
	results := make([]Result, len(batch))
	for i, u := range batch {
		results[i] = Result{ID: u.ID, Err: encErrs[i]}
	}
	switch job.State {
	case jobStateUploadComplete, jobStateInProgress:
		return nil, false, nil
	case jobStateOpen:
		c.logger.Warn("bulk job was left open; aborting it", "job_id", jobID, "batch_size", len(batch))
		if err := c.AbortJob(ctx, jobID); err != nil {
			return nil, false, fmt.Errorf("update job %s: %w", jobID, err)
		}
		fillUnset(results, encErrs, &TransportError{Op: "bulk ingest", Sent: false,
			Err: fmt.Errorf("job %s was aborted before its upload completed; nothing was processed", jobID)})
		return results, true, nil
	}
	lists := map[string]ingestResults{}
	for _, kind := range []string{"successfulResults", "failedResults", "unprocessedrecords"} {
		r, err := c.jobResults(ctx, jobID, kind)
		if err != nil {
			return nil, false, fmt.Errorf("update job %s: %s: %w", jobID, kind, err)
		}
		lists[kind] = r
	}
	m := newIngestMatcher(batch, encErrs)
	unknown := 0
	unknown += m.assign(lists["successfulResults"], "sf__Id", func([]string) error { return nil })
	failed := lists["failedResults"]
	errCol := failed.col("sf__Error")
	unknown += m.assign(failed, "sf__Id", func(row []string) error {
		msg := ""
		if errCol >= 0 {
			msg = row[errCol]
		}
		return c.ingestRecordError(msg)
	})
	why := "the job was " + job.State
	if job.ErrorMessage != "" {
		why += ": " + job.ErrorMessage
	}
	unknown += m.assign(lists["unprocessedrecords"], "", func([]string) error {
		return &TransportError{Op: "bulk ingest", Sent: false,
			Err: fmt.Errorf("job %s did not process the record (%s)", jobID, snippet(why))}
	})
	if unknown > 0 {
		c.logger.Warn("bulk job results name records that are not in the batch", "job_id", jobID, "rows", unknown)
	}
	var rest error = &AmbiguousError{Op: "bulk ingest",
		Err: fmt.Errorf("job %s (%s) reported no result for the record", jobID, job.State)}
	if job.State == jobStateAborted {
		rest = &TransportError{Op: "bulk ingest", Sent: false,
			Err: fmt.Errorf("job %s was aborted before it processed the record", jobID)}
	}
	for i := range results {
		switch {
		case encErrs[i] != nil:
		case m.set[i]:
			results[i].Err = m.errs[i]
		default:
			results[i].Err = rest
		}
	}
	return results, true, nil
}

// fillUnset gives err to every record without an encoding error.
func fillUnset(results []Result, encErrs []error, err error) {
	for i := range results {
		if encErrs[i] == nil {
			results[i].Err = err
		}
	}
}

// ingestRecordError turns an sf__Error value into a Result error. An
// org-automation failure (an Apex trigger's unhandled exception or governor
// limit) fails the trigger's whole chunk of 200 records, and Bulk cannot
// split the chunk to find the record at fault, so it is marked not
// isolated (ClassRetryLater), as Update marks failures it could not
// isolate.
func (c *Client) ingestRecordError(raw string) error {
	ae := parseIngestError(raw)
	ae.lockInMessage = ae.Code == codeTriggerFailure && strings.Contains(ae.Message, codeLockRow)
	ae.notIsolated = automation(ae)
	ae.Code, ae.Message = snippet(ae.Code), snippet(ae.Message)
	if len(ae.Fields) > 20 {
		ae.Fields = ae.Fields[:20]
	}
	for i, f := range ae.Fields {
		ae.Fields[i] = snippet(f)
	}
	c.redactAPIError(ae)
	return ae
}

// jobResults reads one results resource, retried like any read.
func (c *Client) jobResults(ctx context.Context, jobID, kind string) (ingestResults, error) {
	return retry(c, ctx, "bulk ingest", false, func(ctx context.Context, s session) (ingestResults, error) {
		body, err := c.ingestCall(ctx, s, http.MethodGet, "jobs/ingest/"+jobID+"/"+kind, "", "text/csv", nil)
		if err != nil {
			return ingestResults{}, err
		}
		r, err := parseIngestResults(body)
		if err != nil {
			return ingestResults{}, &TransportError{Op: "bulk ingest", Sent: true, Err: err}
		}
		return r, nil
	})
}

// ingestMatcher assigns result rows to the records of a batch by Id, each
// record at most once, records with the same Id in input order.
type ingestMatcher struct {
	byKey map[string][]int
	set   []bool
	errs  []error
}

func newIngestMatcher(batch []Update, encErrs []error) *ingestMatcher {
	m := &ingestMatcher{byKey: map[string][]int{}, set: make([]bool, len(batch)), errs: make([]error, len(batch))}
	for i, u := range batch {
		if encErrs[i] == nil {
			k := ingestKey(u.ID)
			m.byKey[k] = append(m.byKey[k], i)
		}
	}
	return m
}

// assign gives each row of r, found by its uploaded Id column (else by
// the idCol column, e.g. sf__Id), the error errOf returns for it, and
// returns how many rows matched no record.
func (m *ingestMatcher) assign(r ingestResults, idCol string, errOf func(row []string) error) (unknown int) {
	col := r.col("Id")
	alt := -1
	if idCol != "" {
		alt = r.col(idCol)
	}
	for _, row := range r.rows {
		id := ""
		if col >= 0 && col < len(row) {
			id = row[col]
		}
		if id == "" && alt >= 0 && alt < len(row) {
			id = row[alt]
		}
		idx := m.byKey[ingestKey(id)]
		if id == "" || len(idx) == 0 {
			unknown++
			continue
		}
		i := idx[0]
		m.byKey[ingestKey(id)] = idx[1:]
		m.set[i] = true
		m.errs[i] = errOf(row)
	}
	return unknown
}
