package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Bulk API 2.0 query jobs ("Bulk API 2.0 and Bulk API Developer Guide":
// "Create a Query Job",
// https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_create_job.htm,
// "Get Information About a Query Job" (query_get_one_job.htm), "Get Results
// for a Query Job" (query_get_job_results.htm), "Abort a Query Job"
// (query_abort_job.htm) and "Delete a Query Job" (query_delete_job.htm)).
const (
	// DefaultBulkMaxRecords is the maxRecords BulkQuery asks a results
	// page for when Options.BulkMaxRecords is zero.
	DefaultBulkMaxRecords = 100000
	// bulkChunk is how many records of a results page BulkQuery hands over
	// at once: large enough for the caller to store them in few
	// transactions, small enough to keep a page's records out of memory.
	bulkChunk = 10000

	bulkPollFirst = 200 * time.Millisecond // first wait before reading the job's state
	bulkPollMax   = 15 * time.Second       // the wait doubles up to this
	// bulkCleanupTimeout bounds the abort or delete sent after a failure,
	// which runs even when the caller's ctx has ended.
	bulkCleanupTimeout = 30 * time.Second
)

// BulkJobError is a query job that ended without results: State is Failed
// (Message is the job's errorMessage) or Aborted (by someone else). It is
// ClassPermanent: the same job would end the same way; the caller may fall
// back to REST queries over narrower windows.
type BulkJobError struct {
	JobID, State, Message string
}

// Error returns "salesforce: bulk query job 750...: Failed: message".
func (e *BulkJobError) Error() string {
	s := "salesforce: bulk query job " + e.JobID + ": " + e.State
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// queryJobInfo is the part of a query job's info BulkQuery reads.
type queryJobInfo struct {
	ID           string `json:"id"`
	State        string `json:"state"`
	ErrorMessage string `json:"errorMessage"`
}

// BulkQuery runs soql, a query of object, as a Bulk API 2.0 query job and
// calls fn with the results, in order, up to 10,000 records at a time while
// each results page arrives (memory holds a chunk, not a page), as records
// typed exactly as
// the REST query returns them (numbers float64, booleans bool, dates
// "2006-01-02", dateTimes "2006-01-02T15:04:05.000+0000", empty -> nil),
// without "attributes". Bulk jobs are not subject to the REST query's
// two-minute limit, so a full pull of a large object that fails with
// QUERY_TIMEOUT over REST runs here.
//
// It describes object once per Client to type the CSV, creates the job,
// reads its state with a doubling wait (from 200ms to 15s) until
// JobComplete, then pages through the results by Sforce-Locator, asking
// for Options.BulkMaxRecords records a page. Every request goes through the
// connector's edge (counted, Sforce-Limit-Info read, errors as *APIError or
// *TransportError) and reads are retried on transient failures; a page read
// again after it failed on the way hands its first records to fn again. A
// job that
// ends Failed or Aborted is a *BulkJobError. When fn returns an error or
// ctx ends, the job is aborted (still running) or deleted (complete) on a
// context detached from ctx, and the error is returned: fn's as it is.
func (c *Client) BulkQuery(ctx context.Context, object, soql string, fn func(page []Record) error) error {
	if !validName(object) {
		return fmt.Errorf("bulk query: invalid object name %q", snippet(object))
	}
	if strings.TrimSpace(soql) == "" {
		return errors.New("bulk query: empty SOQL")
	}
	types, err := c.fieldTypes(ctx, object)
	if err != nil {
		return fmt.Errorf("bulk query %s: %w", object, err)
	}
	job, err := c.createQueryJob(ctx, soql)
	if err != nil {
		return fmt.Errorf("bulk query %s: create job: %w", object, err)
	}
	complete, err := c.waitQueryJob(ctx, job)
	if err == nil {
		err = c.readQueryResults(ctx, job, types, fn)
	}
	var be *BulkJobError
	if err != nil && !errors.As(err, &be) {
		c.cleanupQueryJob(ctx, job, complete)
	}
	if err != nil && !errors.Is(err, errFromFn) {
		return fmt.Errorf("bulk query %s: %w", object, err)
	}
	return unwrapFn(err)
}

// fnError marks an error fn returned, so BulkQuery returns it unwrapped.
type fnError struct{ err error }

func (e *fnError) Error() string { return e.err.Error() }
func (e *fnError) Is(target error) bool {
	return target == errFromFn
}

var errFromFn = errors.New("error from fn")

func unwrapFn(err error) error {
	var fe *fnError
	if errors.As(err, &fe) {
		return fe.err
	}
	return err
}

// fieldTypes returns object's describe types by lower-case field name,
// describing it on first use and keeping the result for the Client's life.
func (c *Client) fieldTypes(ctx context.Context, object string) (map[string]string, error) {
	key := strings.ToLower(object)
	if v, ok := c.bulkTypes.Load(key); ok {
		return v.(map[string]string), nil
	}
	d, err := c.Describe(ctx, object)
	if err != nil {
		return nil, err
	}
	types := make(map[string]string, len(d.Fields))
	for _, f := range d.Fields {
		types[strings.ToLower(f.Name)] = f.Type
	}
	c.bulkTypes.Store(key, types)
	return types, nil
}

// createQueryJob creates the job and returns its Id. The create request is
// retried only when it did not reach Salesforce (a retried create could
// start a second job).
func (c *Client) createQueryJob(ctx context.Context, soql string) (string, error) {
	body, err := json.Marshal(map[string]string{"operation": "query", "query": soql,
		"contentType": "CSV", "columnDelimiter": "COMMA", "lineEnding": "LF"})
	if err != nil {
		return "", err
	}
	info, err := retry(c, ctx, "bulk query create", true, func(ctx context.Context, s session) (queryJobInfo, error) {
		return c.jobCall(ctx, s, "bulk query create", http.MethodPost, "jobs/query", body)
	})
	if err != nil {
		return "", err
	}
	if !ValidID(info.ID) {
		return "", &TransportError{Op: "bulk query create", Sent: true,
			Err: fmt.Errorf("%w: job id %q", ErrMalformedResponse, snippet(info.ID))}
	}
	return info.ID, nil
}

// waitQueryJob reads the job's state until it is JobComplete (complete
// true), waiting between reads under ctx. Failed and Aborted are a
// *BulkJobError.
func (c *Client) waitQueryJob(ctx context.Context, job string) (complete bool, err error) {
	wait := bulkPollFirst
	for {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false, fmt.Errorf("wait for job %s: %w", job, context.Cause(ctx))
		case <-t.C:
		}
		info, err := retry(c, ctx, "bulk query poll", false, func(ctx context.Context, s session) (queryJobInfo, error) {
			return c.jobCall(ctx, s, "bulk query poll", http.MethodGet, "jobs/query/"+job, nil)
		})
		if err != nil {
			return false, fmt.Errorf("job %s: %w", job, err)
		}
		switch info.State {
		case "JobComplete":
			return true, nil
		case "Failed", "Aborted":
			return false, &BulkJobError{JobID: job, State: info.State, Message: snippet(c.redact(info.ErrorMessage))}
		case "UploadComplete", "InProgress":
		default:
			return false, &TransportError{Op: "bulk query poll", Sent: true,
				Err: fmt.Errorf("%w: job state %q", ErrMalformedResponse, snippet(info.State))}
		}
		wait = min(2*wait, bulkPollMax)
	}
}

// readQueryResults pages through the results of a complete job.
func (c *Client) readQueryResults(ctx context.Context, job string, types map[string]string, fn func([]Record) error) error {
	size := c.opts.BulkMaxRecords
	if size <= 0 {
		size = DefaultBulkMaxRecords
	}
	locator := ""
	for page := 1; ; page++ {
		q := url.Values{"maxRecords": {strconv.Itoa(size)}}
		if locator != "" {
			q.Set("locator", locator)
		}
		path := "jobs/query/" + job + "/results?" + q.Encode()
		next, err := retry(c, ctx, "bulk query results", false, func(ctx context.Context, s session) (string, error) {
			return c.resultsCall(ctx, s, path, types, fn)
		})
		var stop *stopError
		if errors.As(err, &stop) {
			return &fnError{stop.err}
		}
		if err != nil {
			return fmt.Errorf("job %s results page %d: %w", job, page, err)
		}
		if next == "null" {
			return nil
		}
		locator = next
	}
}

// resultsCall makes one attempt of a results request and hands the page's
// records to fn in chunks of bulkChunk while the page arrives, so memory
// holds a chunk, not the page. It returns the next page's locator ("null"
// after the last). A page whose Sforce-Locator is missing, whose
// Sforce-NumberOfRecords disagrees with the rows that arrived, or that does
// not parse, is a malformed response; read again, its first records reach
// fn a second time (the engine's storing of a record is idempotent). fn's
// own error comes back as a *stopError, never retried.
func (c *Client) resultsCall(ctx context.Context, s session, path string, types map[string]string,
	fn func([]Record) error) (string, error) {
	const op = "bulk query results"
	var next string
	err := c.streamCall(ctx, s, op, http.MethodGet, path, "", "text/csv", nil, func(resp *http.Response) error {
		malformed := func(format string, args ...any) error {
			return &TransportError{Op: op, Sent: true,
				Err: fmt.Errorf("%w: %s", ErrMalformedResponse, fmt.Sprintf(format, args...))}
		}
		next = resp.Header.Get("Sforce-Locator")
		if next == "" || (next != "null" && !validLocator(next)) {
			return malformed("Sforce-Locator %q", snippet(next))
		}
		want, err := strconv.Atoi(resp.Header.Get("Sforce-NumberOfRecords"))
		if err != nil || want < 0 {
			return malformed("Sforce-NumberOfRecords %q", snippet(resp.Header.Get("Sforce-NumberOfRecords")))
		}
		n, err := readCSVRecords(resp.Body, types, bulkChunk, fn)
		var stop *stopError
		switch {
		case errors.As(err, &stop):
			return err
		case err != nil:
			return malformed("%v", err)
		case n != want:
			return malformed("Sforce-NumberOfRecords %d for %d records", want, n)
		}
		return nil
	})
	return next, err
}

// validLocator reports whether a locator can go into a query string as is
// worth trusting: printable, no spaces, bounded.
func validLocator(s string) bool {
	if len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// jobCall makes one attempt of a job request that answers job info JSON.
func (c *Client) jobCall(ctx context.Context, s session, op, method, path string, body []byte) (queryJobInfo, error) {
	_, data, err := c.bulkCall(ctx, s, op, method, path, body, "application/json")
	if err != nil {
		return queryJobInfo{}, err
	}
	var info queryJobInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return queryJobInfo{}, &TransportError{Op: op, Sent: true, Err: fmt.Errorf("%w: job info: %v", ErrMalformedResponse, err)}
	}
	return info, nil
}

// bulkCall makes one attempt of a Bulk query request (see wholeCall); a
// body is JSON.
func (c *Client) bulkCall(ctx context.Context, s session, op, method, path string, body []byte, accept string) (http.Header, []byte, error) {
	ct := ""
	if body != nil {
		ct = "application/json"
	}
	return c.wholeCall(ctx, s, op, method, path, ct, accept, body)
}

// cleanupQueryJob aborts a running job or deletes a complete one after a
// failure, on a context detached from ctx; its own failure is logged only.
func (c *Client) cleanupQueryJob(ctx context.Context, job string, complete bool) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bulkCleanupTimeout)
	defer cancel()
	var err error
	if complete {
		_, err = withSession(c, cctx, "bulk query delete", func(ctx context.Context, s session) (struct{}, error) {
			_, _, err := c.bulkCall(ctx, s, "bulk query delete", http.MethodDelete, "jobs/query/"+job, nil, "application/json")
			return struct{}{}, err
		})
	} else {
		body := []byte(`{"state":"Aborted"}`)
		_, err = withSession(c, cctx, "bulk query abort", func(ctx context.Context, s session) (queryJobInfo, error) {
			return c.jobCall(ctx, s, "bulk query abort", http.MethodPatch, "jobs/query/"+job, body)
		})
	}
	if err != nil {
		c.logger.Warn("could not clean up the bulk query job", "job_id", job, "error", err)
	}
}
