package sftest

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

const jobsPath = "/services/data/v" + testVersion + "/jobs/query"

// queryJobInfo is a decoded job info.
type queryJobInfo struct {
	ID, Operation, Object, CreatedByID, State, ContentType, LineEnding, ColumnDelimiter, JobType, ErrorMessage string
	NumberRecordsProcessed                                                                                     int
}

func mustCreateJob(tb testing.TB, s *Server, tok string, body map[string]any) queryJobInfo {
	tb.Helper()
	r := call(tb, s, tok, http.MethodPost, jobsPath, body)
	if r.status != http.StatusOK {
		tb.Fatalf("create job: %d %s", r.status, r.body)
	}
	var in queryJobInfo
	mustJSON(tb, r.body, &in)
	return in
}

func jobState(tb testing.TB, s *Server, tok, id string) queryJobInfo {
	tb.Helper()
	r := call(tb, s, tok, http.MethodGet, jobsPath+"/"+id, nil)
	if r.status != http.StatusOK {
		tb.Fatalf("job info: %d %s", r.status, r.body)
	}
	var in queryJobInfo
	mustJSON(tb, r.body, &in)
	return in
}

// readAllResults pages through a complete job's results with maxRecords
// and returns the header, the rows and the number of pages.
func readAllResults(tb testing.TB, s *Server, tok, id, maxRecords string, comma rune) ([]string, [][]string, int) {
	tb.Helper()
	var header []string
	var rows [][]string
	locator := ""
	for pages := 1; ; pages++ {
		path := jobsPath + "/" + id + "/results?maxRecords=" + maxRecords
		if locator != "" {
			path += "&locator=" + locator
		}
		r := call(tb, s, tok, http.MethodGet, path, nil)
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/csv" {
			tb.Fatalf("results page %d: %d %s %s", pages, r.status, r.header.Get("Content-Type"), r.body)
		}
		cr := csv.NewReader(bytes.NewReader(r.body))
		cr.Comma = comma
		recs, err := cr.ReadAll()
		if err != nil || len(recs) == 0 {
			tb.Fatalf("results page %d: %v", pages, err)
		}
		header = recs[0]
		if got, want := r.header.Get("Sforce-NumberOfRecords"), strconv.Itoa(len(recs)-1); got != want {
			tb.Fatalf("page %d: Sforce-NumberOfRecords %s, want %s", pages, got, want)
		}
		rows = append(rows, recs[1:]...)
		locator = r.header.Get("Sforce-Locator")
		if locator == "null" {
			return header, rows, pages
		}
		if locator == "" {
			tb.Fatalf("page %d: no Sforce-Locator", pages)
		}
	}
}

func TestBulkQueryJobLifecycle(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 2500, Seed: 3, BulkPollsToComplete: 3, QueryTimeoutRows: 1000})
	tok := MustToken(t, s)
	q := "SELECT Id, Name, Paying_Customer__c, Start_Date__c, SystemModstamp, NPS__c FROM Account ORDER BY SystemModstamp, Id"
	r := call(t, s, tok, http.MethodPost, jobsPath, map[string]any{"operation": "query", "query": q,
		"contentType": "CSV", "columnDelimiter": "COMMA", "lineEnding": "LF"})
	if r.status != http.StatusOK {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if !bytes.Contains(r.body, []byte(`"apiVersion":62.0`)) {
		t.Errorf("create body %s: want apiVersion 62.0", r.body)
	}
	var job queryJobInfo
	mustJSON(t, r.body, &job)
	if !strings.HasPrefix(job.ID, "750") || len(job.ID) != 18 || job.State != jobUploadComplete || job.Object != "Account" ||
		job.Operation != "query" || job.CreatedByID != IntegrationUserID || job.ContentType != "CSV" || job.LineEnding != "LF" || job.ColumnDelimiter != "COMMA" {
		t.Fatalf("created job = %+v", job)
	}

	r = call(t, s, tok, http.MethodGet, jobsPath+"/"+job.ID+"/results", nil)
	if e := apiErrors(t, r.body)[0]; r.status != http.StatusPreconditionFailed || e.ErrorCode != "JOB_NOT_COMPLETE" ||
		!strings.HasSuffix(e.Message, "Current status: UPLOAD_COMPLETE") {
		t.Fatalf("results before completion: %d %+v", r.status, e)
	}
	for i, want := range []string{jobInProgress, jobInProgress, jobComplete} {
		if got := jobState(t, s, tok, job.ID); got.State != want {
			t.Fatalf("poll %d: state %s, want %s", i+1, got.State, want)
		}
	}
	// Records written after completion are not in the results.
	if _, err := s.Insert("Account", map[string]any{"Name": "Late Arrival Ltd"}); err != nil {
		t.Fatal(err)
	}
	if got := jobState(t, s, tok, job.ID); got.NumberRecordsProcessed != 2500 || got.JobType != "V2Query" {
		t.Fatalf("complete job = %+v", got)
	}

	header, rows, pages := readAllResults(t, s, tok, job.ID, "1000", ',')
	if want := []string{"Id", "Name", "Paying_Customer__c", "Start_Date__c", "SystemModstamp", "NPS__c"}; strings.Join(header, ",") != strings.Join(want, ",") {
		t.Fatalf("header = %v", header)
	}
	if len(rows) != 2500 || pages != 3 {
		t.Fatalf("%d rows in %d pages, want 2500 in 3", len(rows), pages)
	}
	// The records as stored, in SystemModstamp order; the REST query of the
	// same SOQL times out, the job does not.
	if r := call(t, s, tok, http.MethodGet, queryPath(q), nil); r.status != http.StatusBadRequest {
		t.Fatalf("REST full pull over QueryTimeoutRows: %d, want QUERY_TIMEOUT", r.status)
	}
	byID := map[string]map[string]any{}
	for _, rec := range s.Records("Account") {
		byID[rec["Id"].(string)] = rec
	}
	for i, row := range rows {
		rec, ok := byID[row[0]]
		if !ok {
			t.Fatalf("row %d: unknown Id %s", i, row[0])
		}
		if row[1] != rec["Name"] || row[2] != map[bool]string{true: "true", false: "false"}[rec["Paying_Customer__c"].(bool)] {
			t.Fatalf("row %d = %v, record %v", i, row, rec)
		}
		if d, _ := rec["Start_Date__c"].(string); row[3] != d {
			t.Fatalf("row %d Start_Date__c %q, want %q", i, row[3], d)
		}
		stamp := strings.Replace(rec["SystemModstamp"].(string), "+0000", "Z", 1)
		if row[4] != stamp {
			t.Fatalf("row %d SystemModstamp %q, want %q", i, row[4], stamp)
		}
		if i > 0 && rows[i-1][4] > row[4] {
			t.Fatalf("row %d out of SystemModstamp order", i)
		}
	}
}

func TestBulkQueryResultsLocatorAndErrors(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 30, Seed: 3})
	tok := MustToken(t, s)
	id := firstID(t, s)
	if err := s.Update("Account", id, map[string]any{"Name": `Acme, "Best" Inc.`}); err != nil {
		t.Fatal(err)
	}
	job := mustCreateJob(t, s, tok, map[string]any{"operation": "query", "query": "SELECT Id, Name, Last_Login__c FROM Account",
		"columnDelimiter": "TAB", "lineEnding": "CRLF"})
	jobState(t, s, tok, job.ID)
	first := call(t, s, tok, http.MethodGet, jobsPath+"/"+job.ID+"/results?maxRecords=10", nil)
	if !bytes.HasPrefix(first.body, []byte("\"Id\"\t\"Name\"\t\"Last_Login__c\"\r\n")) {
		t.Fatalf("TAB/CRLF page starts %q", first.body[:40])
	}
	loc := first.header.Get("Sforce-Locator")
	a := call(t, s, tok, http.MethodGet, jobsPath+"/"+job.ID+"/results?maxRecords=10&locator="+loc, nil)
	b := call(t, s, tok, http.MethodGet, jobsPath+"/"+job.ID+"/results?maxRecords=10&locator="+loc, nil)
	if a.status != http.StatusOK || !bytes.Equal(a.body, b.body) {
		t.Fatalf("a locator read twice gave different pages")
	}
	_, rows, _ := readAllResults(t, s, tok, job.ID, "7", '\t')
	if len(rows) != 30 || rows[0][1] != `Acme, "Best" Inc.` {
		t.Fatalf("%d rows, first %v", len(rows), rows[0])
	}

	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		code               string
	}{
		{"UnknownJob", "GET", jobsPath + "/750Dn0000000zzzIAA", nil, 404, "NOT_FOUND"},
		{"UnknownJobResults", "GET", jobsPath + "/750Dn0000000zzzIAA/results", nil, 404, "NOT_FOUND"},
		{"BadLocator", "GET", jobsPath + "/" + job.ID + "/results?locator=bm9wZQ", nil, 404, "NOT_FOUND"},
		{"LocatorPastTheEnd", "GET", jobsPath + "/" + job.ID + "/results?locator=" + encodeLocator(30), nil, 404, "NOT_FOUND"},
		{"ZeroMaxRecords", "GET", jobsPath + "/" + job.ID + "/results?maxRecords=0", nil, 400, "INVALIDPARAMETER"},
		{"OtherVersion", "GET", "/services/data/v61.0/jobs/query/" + job.ID + "/results", nil, 409, "INVALIDVERSION"},
		{"BeforeVersion47", "GET", "/services/data/v46.0/jobs/query", nil, 404, "NOT_FOUND"},
		{"UnknownField", "POST", jobsPath, map[string]any{"operation": "query", "query": "SELECT Id, Nope__c FROM Account"}, 400, "INVALID_FIELD"},
		{"UnknownObject", "POST", jobsPath, map[string]any{"operation": "query", "query": "SELECT Id FROM Nope__c"}, 400, "INVALID_TYPE"},
		{"BadSyntax", "POST", jobsPath, map[string]any{"operation": "query", "query": "SELECT Id FROM"}, 400, "MALFORMED_QUERY"},
		{"Count", "POST", jobsPath, map[string]any{"operation": "query", "query": "SELECT COUNT() FROM Account"}, 400, "MALFORMED_QUERY"},
		{"BadOperation", "POST", jobsPath, map[string]any{"operation": "insert", "query": "SELECT Id FROM Account"}, 400, "INVALIDJOB"},
		{"BadDelimiter", "POST", jobsPath, map[string]any{"operation": "query", "query": "SELECT Id FROM Account", "columnDelimiter": "SPACE"}, 400, "INVALIDJOB"},
		{"PutNotAllowed", "PUT", jobsPath + "/" + job.ID, nil, 405, "METHOD_NOT_ALLOWED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, s, tok, tc.method, tc.path, tc.body)
			if e := apiErrors(t, r.body)[0]; r.status != tc.status || e.ErrorCode != tc.code {
				t.Fatalf("%d %+v, want %d %s", r.status, e, tc.status, tc.code)
			}
		})
	}
}

func TestBulkQueryAbortDeleteListAndFailure(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 10, Seed: 3})
	tok := MustToken(t, s)
	job := mustCreateJob(t, s, tok, map[string]any{"operation": "queryAll", "query": "SELECT Id FROM Account"})
	r := call(t, s, tok, http.MethodPatch, jobsPath+"/"+job.ID, map[string]any{"state": "Aborted"})
	var in queryJobInfo
	mustJSON(t, r.body, &in)
	if r.status != http.StatusOK || in.State != jobAborted {
		t.Fatalf("abort: %d %s", r.status, r.body)
	}
	if got := jobState(t, s, tok, job.ID); got.State != jobAborted {
		t.Fatalf("after abort, state %s", got.State)
	}
	r = call(t, s, tok, http.MethodGet, jobsPath+"/"+job.ID+"/results", nil)
	if e := apiErrors(t, r.body)[0]; r.status != 412 || !strings.HasSuffix(e.Message, "Current status: ABORTED") {
		t.Fatalf("results of an aborted job: %d %+v", r.status, e)
	}
	r = call(t, s, tok, http.MethodGet, jobsPath, nil)
	var list struct {
		Done    bool
		Records []queryJobInfo
	}
	mustJSON(t, r.body, &list)
	if !list.Done || len(list.Records) != 1 || list.Records[0].ID != job.ID {
		t.Fatalf("list = %s", r.body)
	}
	if r := call(t, s, tok, http.MethodDelete, jobsPath+"/"+job.ID, nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if r := call(t, s, tok, http.MethodGet, jobsPath+"/"+job.ID, nil); r.status != http.StatusNotFound {
		t.Fatalf("deleted job: %d", r.status)
	}

	s.FailBulkQueries("InternalServerError : retried more than 15 times")
	failed := mustCreateJob(t, s, tok, map[string]any{"operation": "query", "query": "SELECT Id FROM Account"})
	if got := jobState(t, s, tok, failed.ID); got.State != jobFailed || got.ErrorMessage == "" {
		t.Fatalf("failed job = %+v", got)
	}
	st := s.Stats()
	if st.Requests["bulkQueryJobs"][200] != 3 || st.Requests["bulkQueryJob"][200] != 3 || st.Requests["bulkQueryJob"][204] != 1 || st.Requests["bulkQueryResults"][412] != 1 {
		t.Fatalf("bulk requests counted %v", st.Requests)
	}
	if r := call(t, s, tok, http.MethodGet, jobsPath, nil); !strings.HasPrefix(r.header.Get("Sforce-Limit-Info"), "api-usage=") {
		t.Fatalf("no Sforce-Limit-Info on a bulk call")
	}
}
