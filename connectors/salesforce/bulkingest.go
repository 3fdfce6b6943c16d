package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Bulk API 2.0 update jobs ("Bulk API 2.0 Ingest", Bulk API 2.0 and Bulk
// API Developer Guide,
// https://developer.salesforce.com/docs/platform/api-asynch/guide/bulk-api-2-0-ingest.html).
// A job goes Open -> (upload, UploadComplete) -> UploadComplete ->
// InProgress -> JobComplete or Failed, or Aborted. Salesforce processes
// nothing before UploadComplete, so a job left Open by a crash can be
// aborted without anything written. The connector keeps no job state: the
// caller stores the job ID (before uploading) and the batch, and asks
// UpdateJobResults again after a restart.

// Ingest job states ("Job States",
// https://developer.salesforce.com/docs/platform/api-asynch/guide/bulk-api-2-job-states.html).
const (
	jobStateOpen           = "Open"
	jobStateUploadComplete = "UploadComplete"
	jobStateInProgress     = "InProgress"
	jobStateComplete       = "JobComplete"
	jobStateFailed         = "Failed"
	jobStateAborted        = "Aborted"
)

// ingestJob is the part of the job info ("Get Information About an Ingest
// Job",
// https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_info.htm)
// the connector reads.
type ingestJob struct {
	ID           string `json:"id"`
	State        string `json:"state"`
	Object       string `json:"object"`
	ErrorMessage string `json:"errorMessage"`
}

// CreateUpdateJob creates a Bulk API 2.0 update job on object (CSV, comma
// delimiter, LF line endings: POST /services/data/vXX.X/jobs/ingest,
// "Create a Job",
// https://developer.salesforce.com/docs/platform/api-asynch/guide/create-job.html)
// and returns its ID; the job is Open. Store the ID before uploading. A
// request that was sent and whose answer was lost is an *AmbiguousError: a
// job may exist that nobody knows, which is harmless (nothing is processed
// before UploadComplete).
func (c *Client) CreateUpdateJob(ctx context.Context, object string) (string, error) {
	if !validName(object) {
		return "", fmt.Errorf("create update job: invalid object name %q", snippet(object))
	}
	body, _ := json.Marshal(map[string]string{"object": object, "operation": "update", "contentType": "CSV",
		"lineEnding": "LF", "columnDelimiter": "COMMA"})
	job, err := retry(c, ctx, "bulk ingest", true, func(ctx context.Context, s session) (ingestJob, error) {
		return c.ingestJSON(ctx, s, http.MethodPost, "jobs/ingest", body)
	})
	if err != nil {
		if ambiguousWrite(err) {
			err = &AmbiguousError{Op: "bulk ingest", Err: err}
		}
		return "", fmt.Errorf("create update job on %s: %w", object, err)
	}
	if !ValidID(job.ID) || job.State != jobStateOpen {
		return "", fmt.Errorf("create update job on %s: %w", object, &AmbiguousError{Op: "bulk ingest",
			Err: fmt.Errorf("%w: job id %q in state %q", ErrMalformedResponse, snippet(job.ID), snippet(job.State))})
	}
	return job.ID, nil
}

// UploadUpdateJob uploads batch as the job's CSV data (PUT .../batches,
// once: Bulk API 2.0 takes one upload per job) and marks the upload
// complete (PATCH {"state":"UploadComplete"}, "Upload Complete",
// https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/close_job.htm),
// after which Salesforce processes the job. Records that cannot be encoded
// are left out; UpdateJobResults reports them. The upload is retried only
// when it never reached Salesforce (or got 503): a second upload would make
// the close fail. Closing is retried, and when its answer is lost or
// refused the job is read to see whether it closed. An error leaves the
// job Open at worst: UpdateJobResults then aborts it and reports every
// record not sent.
func (c *Client) UploadUpdateJob(ctx context.Context, jobID string, batch []Update) error {
	if !ValidID(jobID) {
		return fmt.Errorf("upload update job: invalid job id %q", snippet(jobID))
	}
	data, _ := encodeIngestCSV(batch)
	if len(data) > maxIngestUpload {
		return fmt.Errorf("upload update job %s: %d bytes of CSV exceed the 100 MB a job takes; use smaller batches", jobID, len(data))
	}
	_, err := retry(c, ctx, "bulk ingest", true, func(ctx context.Context, s session) ([]byte, error) {
		body, err := c.ingestCall(ctx, s, http.MethodPut, "jobs/ingest/"+jobID+"/batches", "text/csv", "application/json", data)
		return body, err
	})
	if err != nil {
		return fmt.Errorf("upload update job %s (nothing is processed while the job is open): %w", jobID, err)
	}
	if err := c.setJobState(ctx, jobID, jobStateUploadComplete); err != nil {
		return fmt.Errorf("upload update job %s: close: %w", jobID, err)
	}
	return nil
}

// AbortJob aborts an ingest job (PATCH {"state":"Aborted"}, "Close or
// Abort a Job"); records Salesforce has not processed yet will not be.
// Aborting a job that is already aborted succeeds; aborting one that has
// ended otherwise fails with Salesforce's error.
func (c *Client) AbortJob(ctx context.Context, jobID string) error {
	if !ValidID(jobID) {
		return fmt.Errorf("abort job: invalid job id %q", snippet(jobID))
	}
	if err := c.setJobState(ctx, jobID, jobStateAborted); err != nil {
		return fmt.Errorf("abort job %s: %w", jobID, err)
	}
	return nil
}

// setJobState PATCHes the job's state, with the retries a write allows.
// When that fails after the request may have arrived (a lost answer, or a
// 4xx such as a refused transition that an earlier lost attempt already
// made), the job is read: if it reached state (or, for UploadComplete, has
// left Open), that is success.
func (c *Client) setJobState(ctx context.Context, jobID, state string) error {
	body, _ := json.Marshal(map[string]string{"state": state})
	_, err := retry(c, ctx, "bulk ingest", true, func(ctx context.Context, s session) (ingestJob, error) {
		return c.ingestJSON(ctx, s, http.MethodPatch, "jobs/ingest/"+jobID, body)
	})
	if err == nil {
		return nil
	}
	var ap *APIError
	if !ambiguousWrite(err) && !(errors.As(err, &ap) && ap.Status >= 400 && ap.Status < 500 && ap.Status != 404) {
		return err
	}
	job, gerr := c.jobInfo(ctx, jobID)
	switch {
	case gerr != nil && ambiguousWrite(err):
		return &AmbiguousError{Op: "bulk ingest", Err: err}
	case gerr != nil:
		return err
	case job.State == state, state == jobStateUploadComplete && job.State != jobStateOpen && job.State != jobStateAborted:
		return nil
	}
	return fmt.Errorf("job is %s: %w", snippet(job.State), err)
}

// jobInfo reads a job's info (GET .../jobs/ingest/{id}), retried like any
// read.
func (c *Client) jobInfo(ctx context.Context, jobID string) (ingestJob, error) {
	return retry(c, ctx, "bulk ingest", false, func(ctx context.Context, s session) (ingestJob, error) {
		return c.ingestJSON(ctx, s, http.MethodGet, "jobs/ingest/"+jobID, nil)
	})
}

// ingestJSON makes one attempt of a job request whose answer is job info.
func (c *Client) ingestJSON(ctx context.Context, s session, method, path string, body []byte) (ingestJob, error) {
	ct := ""
	if body != nil {
		ct = "application/json; charset=UTF-8"
	}
	raw, err := c.ingestCall(ctx, s, method, path, ct, "application/json", body)
	if err != nil {
		return ingestJob{}, err
	}
	var job ingestJob
	if err := json.Unmarshal(raw, &job); err != nil {
		return ingestJob{}, &TransportError{Op: "bulk ingest", Sent: true,
			Err: fmt.Errorf("%w: job info is not the documented JSON object", ErrMalformedResponse)}
	}
	return job, nil
}

// ingestCall makes one attempt of one Bulk ingest request and returns the
// whole body (see wholeCall).
func (c *Client) ingestCall(ctx context.Context, s session, method, path, contentType, accept string, body []byte) ([]byte, error) {
	_, data, err := c.wholeCall(ctx, s, "bulk ingest", method, path, contentType, accept, body)
	return data, err
}

// isJobState reports whether s is a documented ingest job state.
func isJobState(s string) bool {
	switch s {
	case jobStateOpen, jobStateUploadComplete, jobStateInProgress, jobStateComplete, jobStateFailed, jobStateAborted:
		return true
	}
	return false
}

// ingestKey is the key results are matched by: the case-sensitive
// 15-character form of a record ID (see sameID).
func ingestKey(id string) string {
	id = strings.TrimSpace(id)
	if len(id) >= 15 {
		return id[:15]
	}
	return id
}
