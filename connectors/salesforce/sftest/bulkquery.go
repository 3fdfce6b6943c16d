package sftest

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest/soql"
)

// Bulk API 2.0 query jobs ("Bulk API 2.0 and Bulk API Developer Guide",
// Bulk API 2.0 Query, https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_create_job.htm
// and the pages beside it):
//
//	POST   /services/data/vXX.X/jobs/query               create (Create a Query Job)
//	GET    /services/data/vXX.X/jobs/query               list (Get Information About All Query Jobs)
//	GET    /services/data/vXX.X/jobs/query/{id}          info (Get Information About a Query Job)
//	PATCH  /services/data/vXX.X/jobs/query/{id}          {"state":"Aborted"} (Abort a Query Job)
//	DELETE /services/data/vXX.X/jobs/query/{id}          (Delete a Query Job)
//	GET    /services/data/vXX.X/jobs/query/{id}/results  CSV (Get Results for a Query Job, bulkresults.go)
//
// The resources exist from API version 47.0. A job is created in state
// UploadComplete, shows InProgress while it runs and ends JobComplete (or
// Failed with errorMessage, or Aborted). The emulator runs a job when its
// info is read: Options.BulkPollsToComplete reads (default 1) complete it.
// At completion it keeps the matching rows' numbers, as a REST cursor does
// (4 bytes a record), and renders each results page on request.

// Job states (JobStateEnum) are in bulkingest.go.

const minBulkQueryVersion = 47

// queryJob is one Bulk API 2.0 query job.
type queryJob struct {
	id, operation, object, query string
	version                      string // API version it was created in
	delim                        byte
	delimName, lineEnding        string
	created, modstamp            time.Time
	state, errorMessage          string
	polls                        int
	processingMs                 int64

	plan   *soql.Plan
	names  []string
	fields []int
	rows   []int32 // set at completion
}

// queryJobSet holds the org's query jobs, oldest first.
type queryJobSet struct {
	mu      sync.Mutex
	jobs    []*queryJob
	count   int
	failMsg string // FailBulkQueries
}

// FailBulkQueries makes every query job that completes from now on end
// Failed with errorMessage message, as a job Salesforce gives up on after
// its retries does ("the API retried more than 15 times", Limits); ""
// lets jobs complete again.
func (s *Server) FailBulkQueries(message string) {
	s.queryJobs.mu.Lock()
	defer s.queryJobs.mu.Unlock()
	s.queryJobs.failMsg = message
}

// bulkQueryRoute routes /jobs/query, /jobs/query/{id} and
// /jobs/query/{id}/results.
func (s *Server) bulkQueryRoute(method string, rest []string) (route, bool) {
	switch len(rest) {
	case 2:
		return route{"bulkQueryJobs", s.handleQueryJobs}, method == http.MethodPost || method == http.MethodGet
	case 3:
		return route{"bulkQueryJob", s.handleQueryJob},
			method == http.MethodGet || method == http.MethodPatch || method == http.MethodDelete
	case 4:
		if rest[3] == "results" {
			return route{"bulkQueryResults", s.handleQueryResults}, method == http.MethodGet
		}
	}
	return route{"other", nil}, false
}

// bulkJobInfo is the job info JSON that Bulk API 2.0 query and ingest jobs
// share. apiVersion is a JSON number written as the guide's examples show
// it, 62.0 rather than 62.
type bulkJobInfo struct {
	ID              string      `json:"id"`
	Operation       string      `json:"operation"`
	Object          string      `json:"object"`
	CreatedByID     string      `json:"createdById"`
	CreatedDate     string      `json:"createdDate"`
	SystemModstamp  string      `json:"systemModstamp"`
	State           string      `json:"state"`
	ConcurrencyMode string      `json:"concurrencyMode"`
	ContentType     string      `json:"contentType"`
	APIVersion      json.Number `json:"apiVersion"`
	JobType         string      `json:"jobType,omitempty"`
	LineEnding      string      `json:"lineEnding,omitempty"`
	ColumnDelimiter string      `json:"columnDelimiter,omitempty"`
}

func newBulkJobInfo(id, operation, object, createdBy, version, state, created, modstamp string) bulkJobInfo {
	return bulkJobInfo{ID: id, Operation: operation, Object: object, CreatedByID: createdBy,
		CreatedDate: created, SystemModstamp: modstamp, State: state,
		ConcurrencyMode: "Parallel", ContentType: "CSV", APIVersion: json.Number(version)}
}

// jobInfo is a query job's JSON. The create and abort responses carry the
// first fields only, as the guide's examples show them.
type jobInfo struct {
	bulkJobInfo
	NumberRecordsProcessed *int   `json:"numberRecordsProcessed,omitempty"`
	Retries                *int   `json:"retries,omitempty"`
	TotalProcessingTime    *int64 `json:"totalProcessingTime,omitempty"`
	ErrorMessage           string `json:"errorMessage,omitempty"`
	IsPkChunkingSupported  *bool  `json:"isPkChunkingSupported,omitempty"`
}

func (j *queryJob) info(full bool) jobInfo {
	in := jobInfo{bulkJobInfo: newBulkJobInfo(j.id, j.operation, j.object, IntegrationUserID, j.version, j.state,
		j.created.UTC().Format(dateTimeLayout), j.modstamp.UTC().Format(dateTimeLayout)), ErrorMessage: j.errorMessage}
	in.LineEnding, in.ColumnDelimiter = j.lineEnding, j.delimName
	if full {
		n, retries, ms, pk := len(j.rows), 0, j.processingMs, true
		in.JobType = "V2Query"
		in.NumberRecordsProcessed, in.Retries, in.TotalProcessingTime, in.IsPkChunkingSupported = &n, &retries, &ms, &pk
	}
	return in
}

// handleQueryJobs serves POST (create) and GET (list) /jobs/query.
func (s *Server) handleQueryJobs(w http.ResponseWriter, r *http.Request, version string, rest []string) {
	if !bulkVersion(w, version) {
		return
	}
	if r.Method == http.MethodGet {
		s.queryJobs.mu.Lock()
		recs := make([]jobInfo, 0, len(s.queryJobs.jobs))
		for _, j := range s.queryJobs.jobs {
			recs = append(recs, j.info(true))
		}
		s.queryJobs.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"done": true, "records": recs, "nextRecordsUrl": nil})
		return
	}
	j, e := s.newQueryJob(r, version)
	if e != nil {
		writeErrors(w, http.StatusBadRequest, *e)
		return
	}
	s.queryJobs.mu.Lock()
	s.queryJobs.count++
	j.id = makeID("750", s.queryJobs.count)
	s.queryJobs.jobs = append(s.queryJobs.jobs, j)
	info := j.info(false)
	s.queryJobs.mu.Unlock()
	writeJSON(w, http.StatusOK, info)
}

// bulkVersion refuses API versions before 47.0 with 404 NOT_FOUND, as for
// any resource a version does not have.
func bulkVersion(w http.ResponseWriter, version string) bool {
	major, _, _ := strings.Cut(version, ".")
	if n, err := strconv.Atoi(major); err != nil || n < minBulkQueryVersion {
		writeErrors(w, http.StatusNotFound, notFound())
		return false
	}
	return true
}

// badQueryJob is the error of a create request the guide's parameters
// refuse. The guide documents the parameters but not the error body; the
// emulator answers 400 INVALIDJOB with a message naming the parameter.
func badQueryJob(msg string) *apiError { e := invalidJob(msg); return &e }

// newQueryJob reads a create request: operation query or queryAll, a
// query the REST query resource would accept (parse and bind errors are
// the REST query's: MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE), no
// COUNT() (Bulk API 2.0 supports no aggregate functions), contentType CSV,
// a known columnDelimiter and lineEnding.
func (s *Server) newQueryJob(r *http.Request, version string) (*queryJob, *apiError) {
	var req struct {
		Operation, Query, ContentType, ColumnDelimiter, LineEnding string
	}
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&req); err != nil {
		return nil, &apiError{Code: "JSON_PARSER_ERROR", Message: "Unable to parse the job request body: " + err.Error()}
	}
	if req.Operation != "query" && req.Operation != "queryAll" {
		return nil, badQueryJob("InvalidJob : Invalid value for operation: " + req.Operation + " (query or queryAll)")
	}
	if req.ContentType != "" && req.ContentType != "CSV" {
		return nil, badQueryJob("InvalidJob : Invalid value for contentType: " + req.ContentType)
	}
	if req.ColumnDelimiter == "" {
		req.ColumnDelimiter = "COMMA"
	}
	if req.LineEnding == "" {
		req.LineEnding = "LF"
	}
	delim, ok := csvDelimiters[req.ColumnDelimiter]
	if !ok {
		return nil, badQueryJob("InvalidJob : Invalid value for columnDelimiter: " + req.ColumnDelimiter)
	}
	if _, ok := csvLineEndings[req.LineEnding]; !ok {
		return nil, badQueryJob("InvalidJob : Invalid value for lineEnding: " + req.LineEnding)
	}
	if strings.TrimSpace(req.Query) == "" {
		return nil, &apiError{Code: soql.CodeMalformedQuery, Message: "A query string has to be specified"}
	}
	parsed, err := soql.Parse(req.Query)
	if err == nil && parsed.Count {
		return nil, &apiError{Code: soql.CodeMalformedQuery, Message: "Aggregate functions such as COUNT() are not supported by Bulk API 2.0 query"}
	}
	var plan *soql.Plan
	if err == nil {
		plan, err = parsed.Bind(soqlSchema{s.schema}, s.today())
	}
	if err != nil {
		e := apiError{Code: soql.CodeMalformedQuery, Message: err.Error()}
		var qe *soql.Error
		if errors.As(err, &qe) {
			e = apiError{Code: qe.Code, Message: qe.Message}
		}
		return nil, &e
	}
	now := s.now()
	t := s.tables[plan.Object]
	return &queryJob{operation: req.Operation, object: plan.Object, query: req.Query, version: version,
		delim: delim, delimName: req.ColumnDelimiter, lineEnding: req.LineEnding,
		created: now, modstamp: now, state: jobUploadComplete,
		plan: plan, names: plan.Fields, fields: fieldIndexes(t, plan.Fields)}, nil
}
