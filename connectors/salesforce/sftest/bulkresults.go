package sftest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// Results pages ("Get Results for a Query Job",
// https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_job_results.htm).
// A page holds at most maxRecords records (default bulkDefaultPage) and at
// most about bulkPageBytes of CSV ("The request is still subject to the
// size limits"); its Sforce-NumberOfRecords header counts them and
// Sforce-Locator names the next page, or is the string "null" after the
// last. A locator is an opaque string in the guide ("MTAwMDA"); the
// emulator's is the unpadded Base64 of the next record's offset, which is
// what that example decodes to ("10000"). A locator stays valid as long as
// its job exists.
const (
	bulkDefaultPage = 100_000
	bulkPageBytes   = 32 << 20
)

// jobNotComplete: "can only download query results of successfully
// completed bulk job with status: JOB_COMPLETE. Current status:
// IN_PROGRESS", 412 Precondition Failed (the example of an unsuccessful
// request on the same page, API version 46.0).
func jobNotComplete(state string) apiError {
	return apiError{Code: "JOB_NOT_COMPLETE", Message: "can only download query results of successfully completed bulk job with status: JOB_COMPLETE. Current status: " + upperSnake(state)}
}

// upperSnake turns JobComplete into JOB_COMPLETE.
func upperSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' && i > 0 {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}

// queryJob returns the job with id (15 or 18 characters), or nil. The
// caller holds s.queryJobs.mu.
func (s *Server) queryJob(id string) *queryJob {
	c, err := canonicalID(id)
	if err != nil {
		return nil
	}
	for _, j := range s.queryJobs.jobs {
		if j.id[:15] == c {
			return j
		}
	}
	return nil
}

// handleQueryJob serves GET (info, which also advances the job), PATCH
// (abort) and DELETE /jobs/query/{id}. An unknown job is 404 NOT_FOUND.
func (s *Server) handleQueryJob(w http.ResponseWriter, r *http.Request, version string, rest []string) {
	if !bulkVersion(w, version) {
		return
	}
	s.queryJobs.mu.Lock()
	defer s.queryJobs.mu.Unlock()
	j := s.queryJob(rest[2])
	if j == nil {
		writeErrors(w, http.StatusNotFound, notFound())
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.advance(j)
		writeJSON(w, http.StatusOK, j.info(true))
	case http.MethodPatch:
		var req struct{ State string }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.State != jobAborted {
			writeErrors(w, http.StatusBadRequest, invalidJob("InvalidJob : a query job's state can only be set to Aborted"))
			return
		}
		if j.state != jobUploadComplete && j.state != jobInProgress {
			// "Abort a Query Job" applies to a job that is still running;
			// the error body for another state is not documented.
			writeErrors(w, http.StatusBadRequest, apiError{Code: "INVALIDJOBSTATE", Message: "Cannot abort a job in state " + j.state})
			return
		}
		j.state, j.modstamp, j.rows = jobAborted, s.now(), nil
		writeJSON(w, http.StatusOK, j.info(false))
	case http.MethodDelete:
		// "Delete a Query Job": the job must be UploadComplete, JobComplete,
		// Aborted or Failed.
		if j.state == jobInProgress {
			writeErrors(w, http.StatusBadRequest, apiError{Code: "INVALIDJOBSTATE", Message: "Cannot delete a job in state " + j.state})
			return
		}
		for i, o := range s.queryJobs.jobs {
			if o == j {
				s.queryJobs.jobs = append(s.queryJobs.jobs[:i], s.queryJobs.jobs[i+1:]...)
				break
			}
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// advance counts one read of a running job's info and runs it when the
// reads reach Options.BulkPollsToComplete. The caller holds
// s.queryJobs.mu.
func (s *Server) advance(j *queryJob) {
	if j.state != jobUploadComplete && j.state != jobInProgress {
		return
	}
	j.polls++
	if j.polls < s.opts.BulkPollsToComplete {
		j.state, j.modstamp = jobInProgress, s.now()
		return
	}
	now := s.now()
	j.modstamp = now
	j.processingMs = max(now.Sub(j.created).Milliseconds(), 0)
	if s.queryJobs.failMsg != "" {
		j.state, j.errorMessage = jobFailed, s.queryJobs.failMsg
		return
	}
	// The results are the records at completion: which records and in what
	// order is fixed now; their values are read when a page is served.
	s.mu.RLock()
	j.rows = s.match(s.tables[j.object], j.plan, j.operation == "queryAll")
	s.mu.RUnlock()
	j.state = jobComplete
}

// handleQueryResults serves GET /jobs/query/{id}/results?locator=&maxRecords=.
// Errors: unknown job 404 NOT_FOUND; a job not JobComplete 412
// JOB_NOT_COMPLETE; another API version than the job's 409 (the body is
// not documented); a maxRecords that is not a positive integer or a
// locator this job did not hand out 400 (the guide documents neither
// error; the emulator answers INVALIDPARAMETER and NOT_FOUND).
func (s *Server) handleQueryResults(w http.ResponseWriter, r *http.Request, version string, rest []string) {
	if !bulkVersion(w, version) {
		return
	}
	s.queryJobs.mu.Lock()
	j := s.queryJob(rest[2])
	var (
		state, jobVersion string
		rows              []int32
	)
	if j != nil {
		state, jobVersion, rows = j.state, j.version, j.rows
	}
	s.queryJobs.mu.Unlock()
	switch {
	case j == nil:
		writeErrors(w, http.StatusNotFound, notFound())
		return
	case state != jobComplete:
		writeErrors(w, http.StatusPreconditionFailed, jobNotComplete(state))
		return
	case jobVersion != version:
		writeErrors(w, http.StatusConflict, apiError{Code: "INVALIDVERSION",
			Message: "Use the same API version to get query results that you used to create the query: " + jobVersion})
		return
	}
	q := r.URL.Query()
	size := bulkDefaultPage
	if v := q.Get("maxRecords"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeErrors(w, http.StatusBadRequest, apiError{Code: "INVALIDPARAMETER", Message: "maxRecords must be a positive integer: " + v})
			return
		}
		size = n
	}
	offset := 0
	if loc := q.Get("locator"); loc != "" {
		n, ok := decodeLocator(loc)
		if !ok || n <= 0 || n >= len(rows) {
			writeErrors(w, http.StatusNotFound, apiError{Code: "NOT_FOUND", Message: "The requested resource does not exist: locator " + loc})
			return
		}
		offset = n
	}
	s.mu.RLock()
	body, end := renderResults(s.tables[j.object], j, rows, offset, size)
	s.mu.RUnlock()
	next := "null"
	if end < len(rows) {
		next = encodeLocator(end)
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Sforce-Locator", next)
	h.Set("Sforce-NumberOfRecords", strconv.Itoa(end-offset))
	w.WriteHeader(http.StatusOK)
	w.Write(body) //nolint:errcheck // the client may be gone
}

func encodeLocator(offset int) string {
	return base64.RawStdEncoding.EncodeToString([]byte(strconv.Itoa(offset)))
}

func decodeLocator(loc string) (int, bool) {
	b, err := base64.RawStdEncoding.DecodeString(loc)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(string(b))
	return n, err == nil && strconv.Itoa(n) == string(b)
}

// renderResults renders the header and rows[offset:] up to size records
// or bulkPageBytes, and returns the page and the offset after it. The
// caller holds s.mu for reading.
func renderResults(t *table, j *queryJob, rows []int32, offset, size int) ([]byte, int) {
	eol := csvLineEndings[j.lineEnding]
	end := min(len(rows), offset+size)
	b := make([]byte, 0, min(bulkPageBytes, 64+(end-offset)*(24*len(j.fields)+8)))
	for i, n := range j.names {
		if i > 0 {
			b = append(b, j.delim)
		}
		b = appendCSVField(b, n)
	}
	b = append(b, eol...)
	i := offset
	for ; i < end && len(b) < bulkPageBytes; i++ {
		row := int(rows[i])
		for k, fi := range j.fields {
			if k > 0 {
				b = append(b, j.delim)
			}
			b = t.appendCSVValue(b, row, fi)
		}
		b = append(b, eol...)
	}
	return b, i
}
