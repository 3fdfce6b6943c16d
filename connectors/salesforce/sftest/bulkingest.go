package sftest

import (
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Bulk API 2.0 ingest jobs ("Bulk API 2.0 Ingest", Bulk API 2.0 and Bulk
// API Developer Guide,
// https://developer.salesforce.com/docs/platform/api-asynch/guide/bulk-api-2-0-ingest.html):
// POST /jobs/ingest creates a job (state Open), PUT .../batches uploads its
// CSV data, PATCH {"state":"UploadComplete"} queues it, GET polls it through
// UploadComplete and InProgress to JobComplete or Failed, and the results
// resources list what was written, what failed and what was not processed.
// Only update jobs are emulated; processing applies each row through the
// same write path as sObject Collections (see ingestjob.go).

// Job states ("Job States",
// https://developer.salesforce.com/docs/platform/api-asynch/guide/bulk-api-2-job-states.html).
const (
	jobOpen           = "Open"
	jobUploadComplete = "UploadComplete"
	jobInProgress     = "InProgress"
	jobComplete       = "JobComplete"
	jobFailed         = "Failed"
	jobAborted        = "Aborted"
)

// maxIngestUpload is the upload limit: "A request can provide CSV data that
// does not in total exceed 150 MB of base64 encoded content" ("Upload Job
// Data",
// https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/upload_job_data.htm);
// the emulator counts the raw bytes.
const maxIngestUpload = 150 << 20

// ingestState holds the org's ingest jobs under its own mutex. Lock order:
// ingestState.mu, then Server.mu.
type ingestState struct {
	mu   sync.Mutex
	jobs map[string]*ingestJob // canonical 15-character ID -> job
	seq  int
	fail string // FailIngestJobs message; "" off
}

// ingestJob is one job and, once processed, its results.
type ingestJob struct {
	id, object, operation     string
	lineEnding, delimiter     string
	version                   string
	created, modstamp         time.Time
	state                     string
	data                      []byte
	uploads                   int // PUTs received
	polls                     int // job-info GETs since UploadComplete
	processed, failed         int
	errorMessage              string
	header                    []string
	success, failures, unproc [][]string
}

// ingestJobInfo is the job info JSON of "Create a Job", "Upload Complete"
// and "Get Information About an Ingest Job"
// (https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_info.htm).
type ingestJobInfo struct {
	bulkJobInfo
	ContentURL string `json:"contentUrl,omitempty"`
}

// ingestJobStatus adds the counters Get Job Info returns.
type ingestJobStatus struct {
	ingestJobInfo
	NumberRecordsProcessed  int    `json:"numberRecordsProcessed"`
	NumberRecordsFailed     int    `json:"numberRecordsFailed"`
	Retries                 int    `json:"retries"`
	TotalProcessingTime     int    `json:"totalProcessingTime"`
	APIActiveProcessingTime int    `json:"apiActiveProcessingTime"`
	ApexProcessingTime      int    `json:"apexProcessingTime"`
	ErrorMessage            string `json:"errorMessage,omitempty"`
}

func (j *ingestJob) info(full bool) ingestJobInfo {
	in := ingestJobInfo{bulkJobInfo: newBulkJobInfo(j.id, j.operation, j.object, userID, j.version, j.state,
		formatMillis(j.created.UnixMilli()), formatMillis(j.modstamp.UnixMilli()))}
	if full {
		in.JobType, in.LineEnding, in.ColumnDelimiter = "V2Ingest", j.lineEnding, j.delimiter
		if j.state == jobOpen {
			// "contentUrl: The URL to use for Upload Job Data requests for
			// this job. Only valid if the job is in Open state."
			in.ContentURL = "services/data/v" + j.version + "/jobs/ingest/" + j.id + "/batches"
		}
	}
	return in
}

func (j *ingestJob) status() ingestJobStatus {
	return ingestJobStatus{ingestJobInfo: j.info(true), NumberRecordsProcessed: j.processed,
		NumberRecordsFailed: j.failed, ErrorMessage: j.errorMessage}
}

// Bulk API 2.0 errors are REST error arrays whose codes are the guide's
// ("Errors", https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/bulk_api_2_0_errors.htm),
// in upper case as orgs send them (e.g. [{"errorCode":"INVALIDJOB",...}]).
// The messages are the emulator's where the guide gives none.
func invalidJobState(msg string) apiError { return apiError{Code: "INVALIDJOBSTATE", Message: msg} }

func invalidJob(msg string) apiError { return apiError{Code: "INVALIDJOB", Message: msg} }

// ingestRoute routes /jobs/ingest[/{id}[/resource]] (rest after
// "jobs/ingest", a trailing slash ignored).
func (s *Server) ingestRoute(method string, rest []string) (route, bool) {
	if n := len(rest); n > 0 && rest[n-1] == "" {
		rest = rest[:n-1]
	}
	switch len(rest) {
	case 0:
		return route{"ingestJobs", s.handleIngestJobs}, method == http.MethodPost || method == http.MethodGet
	case 1:
		return route{"ingestJob", s.handleIngestJob},
			method == http.MethodGet || method == http.MethodPatch || method == http.MethodDelete
	case 2:
		switch rest[1] {
		case "batches":
			return route{"ingestBatches", s.handleIngestUpload}, method == http.MethodPut
		case "successfulResults", "failedResults", "unprocessedrecords":
			return route{"ingestResults", s.handleIngestResults}, method == http.MethodGet
		}
	}
	return route{"other", nil}, false
}

// ingestTail returns the path elements after /jobs/ingest.
func ingestTail(rest []string) []string {
	rest = rest[2:]
	if n := len(rest); n > 0 && rest[n-1] == "" {
		rest = rest[:n-1]
	}
	return rest
}

// job finds a job by its 15- or 18-character ID. The caller holds is.mu.
func (is *ingestState) job(id string) *ingestJob {
	c, err := canonicalID(id)
	if err != nil {
		return nil
	}
	return is.jobs[c]
}

// handleIngestJobs serves POST /jobs/ingest ("Create a Job",
// https://developer.salesforce.com/docs/platform/api-asynch/guide/create-job.html)
// and GET /jobs/ingest ("Get Information About All Ingest Jobs",
// https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_all_jobs.htm;
// one page: every job, done true).
func (s *Server) handleIngestJobs(w http.ResponseWriter, r *http.Request, version string, _ []string) {
	if r.Method == http.MethodGet {
		s.ingest.mu.Lock()
		out := struct {
			Done    bool            `json:"done"`
			Records []ingestJobInfo `json:"records"`
		}{Done: true, Records: []ingestJobInfo{}}
		for _, j := range s.ingest.jobs {
			out.Records = append(out.Records, j.info(true))
		}
		s.ingest.mu.Unlock()
		sort.Slice(out.Records, func(a, b int) bool { return out.Records[a].ID < out.Records[b].ID })
		writeJSON(w, http.StatusOK, out)
		return
	}
	var body struct {
		Object, Operation, ContentType, LineEnding, ColumnDelimiter, ExternalIDFieldName string
	}
	if _, ok := readJSON(w, r, &body); !ok {
		return
	}
	defaults := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	defaults(&body.ContentType, "CSV")
	defaults(&body.LineEnding, "LF")
	defaults(&body.ColumnDelimiter, "COMMA")
	o, ok := s.schema.Object(body.Object)
	switch {
	case body.Object == "" || body.Operation == "":
		writeErrors(w, http.StatusBadRequest, apiError{Code: "INVALIDJOB", Message: "object and operation are required"})
		return
	case !ok:
		writeErrors(w, http.StatusBadRequest, apiError{Code: "INVALIDJOB", Message: "Unable to find object: " + body.Object})
		return
	case body.Operation != "update":
		writeErrors(w, http.StatusBadRequest, apiError{Code: "FEATURENOTENABLED",
			Message: "the emulator serves update ingest jobs only, not " + body.Operation})
		return
	case body.ContentType != "CSV":
		writeErrors(w, http.StatusBadRequest, invalidJob("Invalid contentType: "+body.ContentType+" (the only valid value is CSV)"))
		return
	case body.LineEnding != "LF" && body.LineEnding != "CRLF":
		writeErrors(w, http.StatusBadRequest, invalidJob("Invalid lineEnding: "+body.LineEnding))
		return
	}
	if _, ok := ingestDelimiters[body.ColumnDelimiter]; !ok {
		writeErrors(w, http.StatusBadRequest, invalidJob("Invalid columnDelimiter: "+body.ColumnDelimiter))
		return
	}
	now := s.stamp()
	s.ingest.mu.Lock()
	if s.ingest.jobs == nil {
		s.ingest.jobs = map[string]*ingestJob{}
	}
	s.ingest.seq++
	j := &ingestJob{id: makeID("750", s.ingest.seq), object: o.Name, operation: body.Operation,
		lineEnding: body.LineEnding, delimiter: body.ColumnDelimiter, version: version,
		created: now, modstamp: now, state: jobOpen}
	c, _ := canonicalID(j.id)
	s.ingest.jobs[c] = j
	info := j.info(true)
	s.ingest.mu.Unlock()
	writeJSON(w, http.StatusOK, info)
}

// handleIngestUpload serves PUT /jobs/ingest/{id}/batches ("Upload Job
// Data"): a text/csv body, accepted only while the job is Open, answered
// 201 Created with no body. Bulk API 2.0 takes one upload per job: a
// second PUT is accepted, but closing the job then fails with INVALIDJOB
// "Found multipe contents for job ..." (the answer orgs give, quoted in the
// Stack Exchange question "Providing multiple batches to the Bulk API
// 2.0", https://life-improver.com/salesforce/salesforce-providing-multiple-batches-to-the-bulk-api-2-0/; the guide's
// examples upload once).
func (s *Server) handleIngestUpload(w http.ResponseWriter, r *http.Request, _ string, rest []string) {
	id := ingestTail(rest)[0]
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "text/csv") {
		writeErrors(w, http.StatusBadRequest, apiError{Code: "INVALIDCONTENTTYPE",
			Message: "Content-Type must be text/csv, not " + strconv.Quote(ct)})
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxIngestUpload+1))
	if err != nil {
		writeErrors(w, http.StatusBadRequest, apiError{Code: "CLIENTINPUTERROR", Message: "read request body: " + err.Error()})
		return
	}
	if len(data) > maxIngestUpload {
		writeErrors(w, http.StatusBadRequest, apiError{Code: "CLIENTINPUTERROR",
			Message: "the upload exceeds the 150 MB limit of one job's data"})
		return
	}
	s.ingest.mu.Lock()
	defer s.ingest.mu.Unlock()
	j := s.ingest.job(id)
	switch {
	case j == nil:
		writeErrors(w, http.StatusNotFound, notFound())
		return
	case j.state != jobOpen:
		writeErrors(w, http.StatusBadRequest, invalidJobState("Job is not in the Open state: "+j.state))
		return
	}
	j.uploads++
	j.data = append(j.data, data...)
	j.modstamp = s.stamp()
	w.WriteHeader(http.StatusCreated)
}

// handleIngestJob serves GET (job info; each poll after UploadComplete
// moves processing on, see Options.BulkPollsToComplete), PATCH
// {"state":"UploadComplete"|"Aborted"} ("Upload Complete", "Close or Abort
// a Job",
// https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/close_job.htm)
// and DELETE ("Delete a Job": only UploadComplete, JobComplete, Aborted or
// Failed jobs; 204 No Content) of /jobs/ingest/{id}.
func (s *Server) handleIngestJob(w http.ResponseWriter, r *http.Request, _ string, rest []string) {
	id := ingestTail(rest)[0]
	var patch struct {
		State string `json:"state"`
	}
	if r.Method == http.MethodPatch {
		if _, ok := readJSON(w, r, &patch); !ok {
			return
		}
	}
	s.ingest.mu.Lock()
	defer s.ingest.mu.Unlock()
	j := s.ingest.job(id)
	if j == nil {
		writeErrors(w, http.StatusNotFound, notFound())
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.pollIngest(j)
		writeJSON(w, http.StatusOK, j.status())
	case http.MethodDelete:
		if j.state == jobOpen || j.state == jobInProgress {
			writeErrors(w, http.StatusBadRequest, invalidJobState("Job is in state "+j.state+" and cannot be deleted"))
			return
		}
		c, _ := canonicalID(j.id)
		delete(s.ingest.jobs, c)
		w.WriteHeader(http.StatusNoContent)
	case http.MethodPatch:
		if e := s.transitionIngest(j, patch.State); e != nil {
			writeErrors(w, http.StatusBadRequest, *e)
			return
		}
		writeJSON(w, http.StatusOK, j.info(false))
	}
}
