package salesforce

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Streaming forms of the ingest job calls, for jobs of any size: the
// upload is written as the caller produces the rows, and the results are
// read row by row as they arrive, so neither a million rows of CSV nor a
// million results are ever held in memory (the non-streaming calls read
// whole bodies, bounded by maxBody).

// errUploadTooLarge stops an upload past maxIngestUpload.
var errUploadTooLarge = fmt.Errorf("more than %d MB of CSV: a job takes at most 100 MB; use smaller jobs", maxIngestUpload>>20)

// UploadUpdateJobFrom uploads an update job's data as rows produces it and
// closes the job (UploadComplete), as UploadUpdateJob does for a batch in
// memory. The columns are Id and fields, in that order; a field an update
// does not set is empty (left unchanged), nil is #N/A. rows calls emit once
// per update, in order; it is called again from the start when the upload
// must be sent again (only when it never reached Salesforce, or got 503).
func (c *Client) UploadUpdateJobFrom(ctx context.Context, jobID string, fields []string,
	rows func(emit func(Update) error) error) error {
	if !ValidID(jobID) {
		return fmt.Errorf("upload update job: invalid job id %q", snippet(jobID))
	}
	for _, f := range fields {
		if !validName(f) || strings.EqualFold(f, "id") {
			return fmt.Errorf("upload update job %s: invalid column %q", jobID, snippet(f))
		}
	}
	_, err := retry(c, ctx, "bulk ingest", true, func(ctx context.Context, s session) (struct{}, error) {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(writeIngestRows(pw, fields, rows)) }()
		defer pr.Close() // stops the writer if the request ended early
		return struct{}{}, c.streamCall(ctx, s, "bulk ingest", http.MethodPut, "jobs/ingest/"+jobID+"/batches", "text/csv", "application/json", pr, nil)
	})
	if err != nil {
		return fmt.Errorf("upload update job %s (nothing is processed while the job is open): %w", jobID, err)
	}
	if err := c.setJobState(ctx, jobID, jobStateUploadComplete); err != nil {
		return fmt.Errorf("upload update job %s: close: %w", jobID, err)
	}
	return nil
}

// writeIngestRows writes the CSV of rows to w.
func writeIngestRows(w io.Writer, fields []string, rows func(emit func(Update) error) error) error {
	cw := &countWriter{w: w}
	out := csv.NewWriter(cw)
	if err := out.Write(append([]string{"Id"}, fields...)); err != nil {
		return err
	}
	rec := make([]string, len(fields)+1)
	err := rows(func(u Update) error {
		row, err := ingestRow(u)
		if err != nil {
			return fmt.Errorf("record %s: %w", snippet(u.ID), err)
		}
		rec[0] = u.ID
		for i, f := range fields {
			rec[i+1] = row[f]
		}
		if err := out.Write(rec); err != nil {
			return err
		}
		if cw.n > maxIngestUpload {
			return errUploadTooLarge
		}
		return nil
	})
	if err != nil {
		return err
	}
	out.Flush()
	return out.Error()
}

type countWriter struct {
	w io.Writer
	n int
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}

// JobResultsFrom polls an update job once, as UpdateJobResults does, and
// reads the results of an ended job as they arrive: fn gets each record
// its results lists name, by Id, with nil for a record written, the
// record's *APIError for one Salesforce refused (classified like sObject
// Collections errors), or a not-sent *TransportError for one it did not
// process. done is false while the job runs (fn is not called). A job
// left Open is aborted and reported done with state Aborted and no fn
// call: nothing of it was processed. Records no list names are the
// caller's: their outcome is unknown (or, after an abort, not sent).
// Reading an ended job's results again gives the same calls.
func (c *Client) JobResultsFrom(ctx context.Context, jobID string, fn func(id string, err error) error) (state string, done bool, err error) {
	if !ValidID(jobID) {
		return "", false, fmt.Errorf("update job results: invalid job id %q", snippet(jobID))
	}
	job, err := c.jobInfo(ctx, jobID)
	if err != nil {
		return "", false, fmt.Errorf("update job %s: %w", jobID, err)
	}
	switch job.State {
	case jobStateUploadComplete, jobStateInProgress:
		return job.State, false, nil
	case jobStateOpen:
		c.logger.Warn("bulk job was left open; aborting it", "job_id", jobID)
		if err := c.AbortJob(ctx, jobID); err != nil {
			return "", false, fmt.Errorf("update job %s: %w", jobID, err)
		}
		return jobStateAborted, true, nil
	case jobStateComplete, jobStateFailed, jobStateAborted:
	default:
		return "", false, fmt.Errorf("update job %s: %w", jobID, &TransportError{Op: "bulk ingest", Sent: true,
			Err: fmt.Errorf("%w: unknown job state %q", ErrMalformedResponse, snippet(job.State))})
	}
	why := "the job was " + job.State
	if job.ErrorMessage != "" {
		why += ": " + job.ErrorMessage
	}
	for _, kind := range []string{"successfulResults", "failedResults", "unprocessedrecords"} {
		err := c.streamResults(ctx, jobID, kind, func(id, sfErr string) error {
			switch kind {
			case "successfulResults":
				return fn(id, nil)
			case "failedResults":
				return fn(id, c.ingestRecordError(sfErr))
			default:
				return fn(id, &TransportError{Op: "bulk ingest", Sent: false,
					Err: fmt.Errorf("job %s did not process the record (%s)", jobID, snippet(why))})
			}
		})
		if err != nil {
			return "", false, fmt.Errorf("update job %s: %s: %w", jobID, kind, err)
		}
	}
	return job.State, true, nil
}

// streamResults reads one results resource row by row and calls row with
// each record's Id (the uploaded Id column, else sf__Id) and sf__Error.
// A read that fails on the way is retried from the start, so row may see
// a record twice; the caller's settling tolerates it.
func (c *Client) streamResults(ctx context.Context, jobID, kind string, row func(id, sfErr string) error) error {
	_, err := retry(c, ctx, "bulk ingest", false, func(ctx context.Context, s session) (struct{}, error) {
		err := c.streamCall(ctx, s, "bulk ingest", http.MethodGet, "jobs/ingest/"+jobID+"/"+kind, "", "text/csv", nil, func(resp *http.Response) error {
			r := csv.NewReader(resp.Body)
			r.ReuseRecord = true
			r.FieldsPerRecord = -1
			header, err := r.Read()
			if errors.Is(err, io.EOF) {
				return nil // an empty list
			}
			if err != nil {
				return &TransportError{Op: "bulk ingest", Sent: true, Err: fmt.Errorf("%w: csv header: %v", ErrMalformedResponse, csvCause(err))}
			}
			col := func(name string) int {
				for i, h := range header {
					if strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")), name) {
						return i
					}
				}
				return -1
			}
			idCol, altCol, errCol := col("Id"), col("sf__Id"), col("sf__Error")
			for line := 2; ; line++ {
				rec, err := r.Read()
				if errors.Is(err, io.EOF) {
					return nil
				}
				if err != nil {
					return &TransportError{Op: "bulk ingest", Sent: true,
						Err: fmt.Errorf("%w: csv line %d: %v", ErrMalformedResponse, line, csvCause(err))}
				}
				at := func(i int) string {
					if i >= 0 && i < len(rec) {
						return rec[i]
					}
					return ""
				}
				id := at(idCol)
				if id == "" {
					id = at(altCol)
				}
				if err := row(id, at(errCol)); err != nil {
					return &stopError{err}
				}
			}
		})
		return struct{}{}, err // a *stopError is permanent: not retried
	})
	var stop *stopError
	if errors.As(err, &stop) {
		return stop.err
	}
	return err
}

// stopError carries the caller's own error out of a streamed read.
type stopError struct{ err error }

func (e *stopError) Error() string { return e.err.Error() }
func (e *stopError) Unwrap() error { return e.err }

// streamCall makes one attempt of a Bulk API 2.0 request through a fresh
// edge (counted, its Sforce-Limit-Info read): the request body (rd, may be
// nil) is sent as it is read, and a 2xx response is handed to read (nil:
// its body discarded) while its body arrives, under the call's timeout. A
// non-2xx answer is an *APIError parsed from Salesforce's error body; a
// failed exchange a *TransportError; read's own errors are returned as
// they are.
func (c *Client) streamCall(ctx context.Context, s session, op, method, path, contentType, accept string,
	rd io.Reader, read func(*http.Response) error) error {
	hdr := http.Header{"Accept": {accept}}
	if contentType != "" {
		hdr.Set("Content-Type", contentType)
	}
	e, cancel := c.newEdge(ctx, op, s.token, hdr, true)
	defer cancel()
	e.stream = true
	req, err := http.NewRequest(method, c.dataURL(s, path), rd)
	if err != nil {
		return &TransportError{Op: op, Err: err}
	}
	resp, err := e.httpClient().Do(req)
	if err != nil {
		if eerr := e.result(); eerr != nil {
			return eerr
		}
		return &TransportError{Op: op, Sent: e.wrote.Load(), Err: e.cause(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		ap := parseErrorBody(resp.StatusCode, raw)
		c.redactAPIError(ap)
		return ap
	}
	if read == nil {
		read = func(resp *http.Response) error { _, err := io.Copy(io.Discard, resp.Body); return err }
	}
	err = read(resp)
	var te *TransportError
	var stop *stopError
	if err != nil && !errors.As(err, &te) && !errors.As(err, &stop) {
		err = &TransportError{Op: op, Sent: true, Err: e.cause(err)}
	}
	return err
}

// wholeCall is streamCall for a body in memory and an answer read whole:
// it returns the response's header and body. A body longer than maxBody,
// or shorter than its Content-Length, is a malformed response.
func (c *Client) wholeCall(ctx context.Context, s session, op, method, path, contentType, accept string,
	body []byte) (http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	var hdr http.Header
	var data []byte
	err := c.streamCall(ctx, s, op, method, path, contentType, accept, rd, func(resp *http.Response) error {
		var err error
		hdr = resp.Header
		data, err = io.ReadAll(io.LimitReader(resp.Body, maxBody))
		if err != nil {
			return err
		}
		if (resp.ContentLength >= 0 && int64(len(data)) != resp.ContentLength) || len(data) >= maxBody {
			return &TransportError{Op: op, Sent: true,
				Err: fmt.Errorf("%w: body cut short at %d bytes", ErrMalformedResponse, len(data))}
		}
		return nil
	})
	return hdr, data, err
}
