package sftest

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Processing of an ingest job. Salesforce "automatically divides your job's
// data into multiple batches ... a separate batch for every 10,000 records"
// ("Understanding Bulk API 2.0 Ingest",
// https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_bulk_v2/datafiles_understanding_bulk2_ingest.htm),
// and triggers run on chunks of 200 records of a batch, each chunk its own
// transaction ("Bulk API and Bulk API 2.0 Limits", batch processing time:
// "Batches are processed in chunks ... the chunk size is 200 records";
// Apex Developer Guide, "Triggers and Order of Execution": "if a Bulk API
// request causes a trigger to fire multiple times for chunks of 200
// records, governor limits are reset between these trigger invocations").
// The emulator applies each chunk of 200 rows like one sObject Collections
// request with allOrNone false: record types, field-level security,
// FailValidation, the duplicate rule, FailTrigger (fails its chunk),
// LockRow (per record) and TriggerLock (per chunk) faults, value checks.
const ingestChunkSize = 200

// processIngest runs a queued job to JobComplete or Failed. The caller
// holds s.ingest.mu.
func (s *Server) processIngest(j *ingestJob) {
	j.modstamp = s.stamp()
	header, rows, err := s.parseIngest(j)
	j.header = header
	if err != nil {
		j.state, j.errorMessage, j.unproc = jobFailed, err.Error(), rows
		return
	}
	if s.ingest.fail != "" {
		j.state, j.errorMessage, j.unproc = jobFailed, s.ingest.fail, rows
		return
	}
	o, _ := s.schema.Object(j.object)
	fields := make([]*FieldSchema, len(header))
	idCol := -1
	for i, name := range header {
		f, _, _ := o.Field(strings.TrimSpace(name))
		fields[i] = f
		if f.Name == "Id" && idCol < 0 {
			idCol = i
		}
	}
	written, noops := 0, 0
	for start := 0; start < len(rows); start += ingestChunkSize {
		chunk := rows[start:min(start+ingestChunkSize, len(rows))]
		w, n := s.applyIngestChunk(j, o, fields, idCol, chunk)
		written += w
		noops += n
	}
	j.processed = len(rows)
	j.failed = len(j.failures)
	j.state = jobComplete
	if written > 0 {
		// A job counts as one write request in Stats.
		s.stats.wrote(written, noops)
	}
}

// parseIngest checks and parses the job's data: line endings, CSV shape,
// and a header whose every column is a field of the object. A column that
// is not fails the job with "InvalidBatch : Field name not found : X", the
// message orgs give (the guide: "Each field-name header in the file must be
// the same as the field's Field Name ... or API Name"; relationship columns
// such as Owner.Email are not emulated). On failure rows holds what could
// be read, reported as unprocessed.
func (s *Server) parseIngest(j *ingestJob) (header []string, rows [][]string, err error) {
	if err := checkLineEndings(j.data, j.lineEnding); err != nil {
		return nil, nil, err
	}
	header, rows, err = readIngestCSV(j.data, ingestDelimiters[j.delimiter])
	if err != nil {
		return header, nil, err
	}
	o, _ := s.schema.Object(j.object)
	for _, name := range header {
		if _, _, ok := o.Field(strings.TrimSpace(name)); !ok {
			return header, rows, errFieldNotFound(name)
		}
	}
	return header, rows, nil
}

type ingestJobError string

func (e ingestJobError) Error() string { return string(e) }

func errFieldNotFound(name string) error {
	return ingestJobError("InvalidBatch : Field name not found : " + name)
}

// applyIngestChunk writes one chunk of rows and records a result per row.
// The caller holds s.ingest.mu.
func (s *Server) applyIngestChunk(j *ingestJob, o *ObjectSchema, fields []*FieldSchema, idCol int,
	chunk [][]string) (written, noops int) {
	cs := make([]*change, len(chunk))
	for k, row := range chunk {
		c := &change{object: o.Name, fields: map[string]any{}}
		for i, v := range row {
			switch {
			case i == idCol:
				c.id = strings.TrimSpace(v)
			case fields[i].Name == "Id", v == "":
				// an empty value leaves the field unchanged
			case v == ingestNull:
				c.fields[fields[i].Name] = nil
			default:
				c.fields[fields[i].Name] = v
			}
		}
		cs[k] = c
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resolve(cs)
	for _, c := range cs {
		if len(c.errs) == 0 {
			if e := ingestTypeError(o, c.fields); e != nil {
				c.errs = append(c.errs, *e)
			}
		}
	}
	s.check(cs, true)
	// Bulk API 2.0 documents no Duplicate Rule Header (its headers are
	// Sforce-Call-Options, Warning, Content-Type and Sforce-Line-Ending:
	// "Headers",
	// https://developer.salesforce.com/docs/platform/api-asynch/guide/bulk-api-2-0-headers-intro.html),
	// so an alert cannot be acknowledged: a duplicate fails with
	// DUPLICATES_DETECTED whatever the upload's headers.
	written, noops = s.apply(cs, writeOptions{lockRows: true, triggers: true, rules: true,
		version: j.version, source: "api"})
	for k, c := range cs {
		if len(c.errs) == 0 {
			j.success = append(j.success, append([]string{c.t.id(c.row), "false"}, chunk[k]...))
			continue
		}
		sfID := ""
		if c.t != nil && c.canon != "" {
			sfID = c.t.id(c.row)
		}
		j.failures = append(j.failures, append([]string{sfID, ingestError(c.errs[0])}, chunk[k]...))
	}
	return written, noops
}

// ingestTypeError checks that each CSV value can be read as its field's
// type: INVALID_TYPE_ON_FIELD_IN_RECORD "Label: value not of required
// type: v" (StatusCode list, SOAP API Developer Guide, "Core Data Types
// Used in API Calls"; the message is the one orgs return).
func ingestTypeError(o *ObjectSchema, fields map[string]any) *apiError {
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v := fields[name]
		if v == nil {
			continue
		}
		f, _, _ := o.Field(name)
		if _, terr := convert(f, v); terr != nil {
			return &apiError{Code: "INVALID_TYPE_ON_FIELD_IN_RECORD",
				Message: f.Label + ": value not of required type: " + v.(string), Fields: []string{f.Name}}
		}
	}
	return nil
}

// transitionIngest applies a PATCH of the job's state. The caller holds
// s.ingest.mu.
func (s *Server) transitionIngest(j *ingestJob, state string) *apiError {
	fail := func(e apiError) *apiError { return &e }
	switch state {
	case jobUploadComplete:
		switch {
		case j.state != jobOpen:
			return fail(invalidJobState("Invalid state transition from " + j.state + " to UploadComplete"))
		case j.uploads > 1:
			return fail(invalidJob("Found multipe contents for job: <" + j.id[:15] + ">, please 'Close' / 'Abort' / 'Delete' the current Job then create a new Job and make sure you only do 'PUT' once on a given Job."))
		}
		j.state = jobUploadComplete
		j.polls = 0
		if s.opts.BulkPollsToComplete <= 0 {
			s.processIngest(j)
		}
	case jobAborted:
		// "The job was canceled by the job creator"; records not yet
		// processed stay unprocessed.
		switch j.state {
		case jobOpen, jobUploadComplete, jobInProgress:
		default:
			return fail(invalidJobState("Invalid state transition from " + j.state + " to Aborted"))
		}
		j.state = jobAborted
		if header, rows, err := readIngestCSV(j.data, ingestDelimiters[j.delimiter]); err == nil {
			j.header, j.unproc = header, rows
		}
	default:
		return fail(invalidJobState("Invalid state: " + strconv.Quote(state) + " (want UploadComplete or Aborted)"))
	}
	j.modstamp = s.stamp()
	return nil
}

// pollIngest counts one job-info GET of a queued job: the first
// BulkPollsToComplete polls report the job UploadComplete then InProgress;
// the next one processes it. The caller holds s.ingest.mu.
func (s *Server) pollIngest(j *ingestJob) {
	if j.state != jobUploadComplete && j.state != jobInProgress {
		return
	}
	j.polls++
	if j.polls <= s.opts.BulkPollsToComplete {
		if j.polls > 1 {
			j.state = jobInProgress
		}
		return
	}
	s.processIngest(j)
}

// handleIngestResults serves GET .../successfulResults ("sf__Id",
// "sf__Created", then the uploaded columns), .../failedResults ("sf__Id",
// "sf__Error", then the uploaded columns) and .../unprocessedrecords (the
// uploaded columns) as text/csv ("Get Job Successful Record Results",
// "Get Job Failed Record Results", "Get Job Unprocessed Record Results",
// https://developer.salesforce.com/docs/platform/api-asynch/guide/get-job-failed-results.html).
// Before the job is processed the lists are empty (a header alone).
func (s *Server) handleIngestResults(w http.ResponseWriter, _ *http.Request, _ string, rest []string) {
	tail := ingestTail(rest)
	s.ingest.mu.Lock()
	j := s.ingest.job(tail[0])
	if j == nil {
		s.ingest.mu.Unlock()
		writeErrors(w, http.StatusNotFound, notFound())
		return
	}
	header := j.header
	if header == nil {
		header, _, _ = readIngestCSV(j.data, ingestDelimiters[j.delimiter])
	}
	var body []byte
	switch tail[1] {
	case "successfulResults":
		body = writeIngestCSV(append([]string{"sf__Id", "sf__Created"}, header...), j.success)
	case "failedResults":
		body = writeIngestCSV(append([]string{"sf__Id", "sf__Error"}, header...), j.failures)
	default:
		body = writeIngestCSV(header, j.unproc)
	}
	s.ingest.mu.Unlock()
	w.Header().Set("Content-Type", "text/csv")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body) //nolint:errcheck // the client may be gone
}

// FailIngestJobs makes every ingest job processed from now on fail as a
// whole before it writes anything: state Failed, errorMessage message,
// every record unprocessed, as a job whose internal batch cannot be
// processed after its retries is ("If the batch still can't be processed
// after 20 retries, the entire ingest job is moved to the Failed state and
// remaining job data isn't processed", "Understanding Bulk API 2.0
// Ingest",
// https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_bulk_v2/datafiles_understanding_bulk2_ingest.htm).
// An empty message turns the fault off.
func (s *Server) FailIngestJobs(message string) {
	s.ingest.mu.Lock()
	defer s.ingest.mu.Unlock()
	s.ingest.fail = message
}
