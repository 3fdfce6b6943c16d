package sftest

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

const ingestPath = "/services/data/v" + testVersion + "/jobs/ingest"

// mustIngestJob creates an update job on Account and returns its ID.
func mustIngestJob(tb testing.TB, s *Server, tok string, body map[string]string) string {
	tb.Helper()
	if body == nil {
		body = map[string]string{"object": "Account", "operation": "update", "contentType": "CSV", "lineEnding": "LF"}
	}
	resp := call(tb, s, tok, "POST", ingestPath, body)
	if resp.status != http.StatusOK {
		tb.Fatalf("create job: status %d: %s", resp.status, resp.body)
	}
	var info map[string]any
	mustJSON(tb, resp.body, &info)
	if info["state"] != "Open" || info["jobType"] != "V2Ingest" || info["contentUrl"] == nil {
		tb.Fatalf("create job: %s", resp.body)
	}
	id, _ := info["id"].(string)
	if !strings.HasPrefix(id, "750") || len(id) != 18 {
		tb.Fatalf("job id = %q, want an 18-character 750 id", id)
	}
	return id
}

func mustUpload(tb testing.TB, s *Server, tok, id, data string) {
	tb.Helper()
	resp := call(tb, s, tok, "PUT", ingestPath+"/"+id+"/batches", data, "Content-Type", "text/csv")
	if resp.status != http.StatusCreated {
		tb.Fatalf("upload: status %d: %s", resp.status, resp.body)
	}
}

func patchState(tb testing.TB, s *Server, tok, id, state string) response {
	tb.Helper()
	return call(tb, s, tok, "PATCH", ingestPath+"/"+id, map[string]string{"state": state})
}

func readIngestJob(tb testing.TB, s *Server, tok, id string) map[string]any {
	tb.Helper()
	resp := call(tb, s, tok, "GET", ingestPath+"/"+id, nil)
	if resp.status != http.StatusOK {
		tb.Fatalf("job info: status %d: %s", resp.status, resp.body)
	}
	var info map[string]any
	mustJSON(tb, resp.body, &info)
	return info
}

// results reads one results resource as CSV rows, header first.
func results(tb testing.TB, s *Server, tok, id, kind string) [][]string {
	tb.Helper()
	resp := call(tb, s, tok, "GET", ingestPath+"/"+id+"/"+kind, nil)
	if resp.status != http.StatusOK || !strings.HasPrefix(resp.header.Get("Content-Type"), "text/csv") {
		tb.Fatalf("%s: status %d %q: %s", kind, resp.status, resp.header.Get("Content-Type"), resp.body)
	}
	rows, err := csv.NewReader(strings.NewReader(string(resp.body))).ReadAll()
	if err != nil {
		tb.Fatalf("%s: %v in %s", kind, err, resp.body)
	}
	return rows
}

func TestIngestJobUpdatesRecordsWithPerRowResults(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 450, BulkPollsToComplete: 2})
	tok := MustToken(t, s)
	recs := s.Records("Account")
	locked := recs[3]["Id"].(string)
	s.FailValidation(locked)
	s.SetFieldEditable("Account", "NPS__c", false)

	var b strings.Builder
	b.WriteString("Id,Lifecycle_Tags__c,Account_Lifecycle_Status__c,NPS__c\n")
	for i, r := range recs[:420] {
		id := r["Id"].(string)
		switch i {
		case 1:
			fmt.Fprintf(&b, "%s,#N/A,,\n", id) // tags to null, status unchanged
		case 2:
			fmt.Fprintf(&b, "%s,\"a,b \"\"c\"\"\",Not-A-Status,\n", id)
		case 5:
			fmt.Fprintf(&b, "%s,x,,7\n", id) // NPS not editable
		default:
			fmt.Fprintf(&b, "%s,bulk-%d,,\n", id[:15], i)
		}
	}
	b.WriteString("001Dn0000zzzzzzAAA,x,,\n") // no such record
	id := mustIngestJob(t, s, tok, nil)
	mustUpload(t, s, tok, id, b.String())
	if resp := patchState(t, s, tok, id, "UploadComplete"); resp.status != http.StatusOK {
		t.Fatalf("UploadComplete: %d %s", resp.status, resp.body)
	}
	for i, want := range []string{"UploadComplete", "InProgress", "JobComplete"} {
		if got := readIngestJob(t, s, tok, id)["state"]; got != want {
			t.Fatalf("poll %d: state = %v, want %s", i+1, got, want)
		}
		if i < 2 && len(s.WriteLog()) != 0 {
			t.Fatalf("poll %d: records written before the job completed", i+1)
		}
	}
	info := readIngestJob(t, s, tok, id)
	if info["numberRecordsProcessed"] != 421.0 || info["numberRecordsFailed"] != 4.0 {
		t.Fatalf("counters: %v processed, %v failed", info["numberRecordsProcessed"], info["numberRecordsFailed"])
	}
	ok := results(t, s, tok, id, "successfulResults")
	if got, want := strings.Join(ok[0], ","), "sf__Id,sf__Created,Id,Lifecycle_Tags__c,Account_Lifecycle_Status__c,NPS__c"; got != want {
		t.Fatalf("success header = %s, want %s", got, want)
	}
	if len(ok) != 1+417 {
		t.Fatalf("successes = %d, want 417", len(ok)-1)
	}
	failed := results(t, s, tok, id, "failedResults")
	errs := map[string]string{}
	for _, row := range failed[1:] {
		errs[row[2]], errs[row[0]] = row[1], row[1]
	}
	want := map[string]string{
		locked:                 "FIELD_CUSTOM_VALIDATION_EXCEPTION:",
		recs[2]["Id"].(string): "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:bad value for restricted picklist field: Not-A-Status:Account_Lifecycle_Status__c --",
		recs[5]["Id"].(string): "INVALID_FIELD_FOR_INSERT_UPDATE:Unable to create/update fields: NPS__c.",
		"001Dn0000zzzzzzAAA":   "INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--",
	}
	for rid, prefix := range want {
		if !strings.HasPrefix(errs[rid], prefix) {
			t.Errorf("sf__Error of %s = %q, want prefix %q", rid, errs[rid], prefix)
		}
	}
	if rec, _ := s.Record("Account", recs[1]["Id"].(string)); rec["Lifecycle_Tags__c"] != nil {
		t.Errorf("#N/A: tags = %v, want null", rec["Lifecycle_Tags__c"])
	}
	if rec, _ := s.Record("Account", recs[1]["Id"].(string)); rec["Account_Lifecycle_Status__c"] != recs[1]["Account_Lifecycle_Status__c"] {
		t.Errorf("empty value changed the status to %v", rec["Account_Lifecycle_Status__c"])
	}
	if rec, _ := s.Record("Account", recs[10]["Id"].(string)); rec["Lifecycle_Tags__c"] != "bulk-10" {
		t.Errorf("tags = %v, want bulk-10", rec["Lifecycle_Tags__c"])
	}
	if got := len(results(t, s, tok, id, "unprocessedrecords")); got != 1 {
		t.Errorf("unprocessed rows = %d, want none", got-1)
	}
	if st := s.Stats(); st.RecordWrites != 417 || st.Requests["ingestJob"][200] == 0 {
		t.Errorf("stats: %d record writes, requests %v", st.RecordWrites, st.Requests)
	}
}

func TestIngestTriggerFailsItsChunkOnly(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 450})
	tok := MustToken(t, s)
	recs := s.Records("Account")
	s.FailTrigger(recs[250]["Id"].(string))
	var b strings.Builder
	b.WriteString("Id,Lifecycle_Tags__c\r\n")
	for _, r := range recs[:450] {
		fmt.Fprintf(&b, "%s,t\r\n", r["Id"])
	}
	id := mustIngestJob(t, s, tok, map[string]string{"object": "Account", "operation": "update", "lineEnding": "CRLF"})
	mustUpload(t, s, tok, id, b.String())
	patchState(t, s, tok, id, "UploadComplete")
	if info := readIngestJob(t, s, tok, id); info["state"] != "JobComplete" || info["numberRecordsFailed"] != 200.0 {
		t.Fatalf("job: %v, %v failed; want JobComplete with the second chunk of 200 failed", info["state"], info["numberRecordsFailed"])
	}
	for _, row := range results(t, s, tok, id, "failedResults")[1:] {
		if !strings.HasPrefix(row[1], "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY:") {
			t.Fatalf("sf__Error = %q", row[1])
		}
	}
}

func TestIngestJobFailures(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 5})
	tok := MustToken(t, s)
	id0 := firstID(t, s)

	t.Run("UnknownColumnFailsTheJob", func(t *testing.T) {
		id := mustIngestJob(t, s, tok, nil)
		mustUpload(t, s, tok, id, "Id,No_Such__c\n"+id0+",x\n")
		patchState(t, s, tok, id, "UploadComplete")
		info := readIngestJob(t, s, tok, id)
		if info["state"] != "Failed" || info["errorMessage"] != "InvalidBatch : Field name not found : No_Such__c" {
			t.Fatalf("job: %v %v", info["state"], info["errorMessage"])
		}
		if rows := results(t, s, tok, id, "unprocessedrecords"); len(rows) != 2 || rows[1][0] != id0 {
			t.Fatalf("unprocessed = %v", rows)
		}
	})
	t.Run("WrongLineEndingFailsTheJob", func(t *testing.T) {
		id := mustIngestJob(t, s, tok, nil)
		mustUpload(t, s, tok, id, "Id,Lifecycle_Tags__c\r\n"+id0+",x\r\n")
		patchState(t, s, tok, id, "UploadComplete")
		if info := readIngestJob(t, s, tok, id); info["state"] != "Failed" || !strings.Contains(info["errorMessage"].(string), "LineEnding") {
			t.Fatalf("job: %v %v", info["state"], info["errorMessage"])
		}
	})
	t.Run("SecondUploadMakesCloseFail", func(t *testing.T) {
		id := mustIngestJob(t, s, tok, nil)
		mustUpload(t, s, tok, id, "Id,Lifecycle_Tags__c\n"+id0+",x\n")
		mustUpload(t, s, tok, id, "Id,Lifecycle_Tags__c\n"+id0+",y\n")
		resp := patchState(t, s, tok, id, "UploadComplete")
		if resp.status != http.StatusBadRequest || apiErrors(t, resp.body)[0].ErrorCode != "INVALIDJOB" {
			t.Fatalf("close after two uploads: %d %s", resp.status, resp.body)
		}
	})
	t.Run("AbortedWhileOpenProcessesNothing", func(t *testing.T) {
		before := len(s.WriteLog())
		id := mustIngestJob(t, s, tok, nil)
		mustUpload(t, s, tok, id, "Id,Lifecycle_Tags__c\n"+id0+",x\n")
		if resp := patchState(t, s, tok, id, "Aborted"); resp.status != http.StatusOK {
			t.Fatalf("abort: %d %s", resp.status, resp.body)
		}
		if resp := patchState(t, s, tok, id, "UploadComplete"); resp.status != http.StatusBadRequest {
			t.Fatalf("close after abort: %d %s", resp.status, resp.body)
		}
		if resp := call(t, s, tok, "PUT", ingestPath+"/"+id+"/batches", "Id\n", "Content-Type", "text/csv"); resp.status != http.StatusBadRequest {
			t.Fatalf("upload after abort: %d", resp.status)
		}
		if info := readIngestJob(t, s, tok, id); info["state"] != "Aborted" || len(s.WriteLog()) != before {
			t.Fatalf("aborted job: state %v, %d writes", info["state"], len(s.WriteLog())-before)
		}
		if rows := results(t, s, tok, id, "unprocessedrecords"); len(rows) != 2 {
			t.Fatalf("unprocessed = %v", rows)
		}
		if resp := call(t, s, tok, "DELETE", ingestPath+"/"+id, nil); resp.status != http.StatusNoContent {
			t.Fatalf("delete: %d", resp.status)
		}
		if resp := call(t, s, tok, "GET", ingestPath+"/"+id, nil); resp.status != http.StatusNotFound {
			t.Fatalf("deleted job: %d", resp.status)
		}
	})
	t.Run("FailIngestJobsFailsBeforeWriting", func(t *testing.T) {
		s.FailIngestJobs("InvalidBatch : batch timed out after 20 retries")
		defer s.FailIngestJobs("")
		before := len(s.WriteLog())
		id := mustIngestJob(t, s, tok, nil)
		mustUpload(t, s, tok, id, "Id,Lifecycle_Tags__c\n"+id0+",x\n")
		patchState(t, s, tok, id, "UploadComplete")
		if info := readIngestJob(t, s, tok, id); info["state"] != "Failed" || len(s.WriteLog()) != before {
			t.Fatalf("job: %v, %d writes", info["state"], len(s.WriteLog())-before)
		}
	})
	t.Run("ListShowsJobs", func(t *testing.T) {
		resp := call(t, s, tok, "GET", ingestPath, nil)
		var out struct {
			Done    bool             `json:"done"`
			Records []map[string]any `json:"records"`
		}
		mustJSON(t, resp.body, &out)
		if !out.Done || len(out.Records) < 4 {
			t.Fatalf("list: %s", resp.body)
		}
	})
	t.Run("UnknownJobIsNotFound", func(t *testing.T) {
		if resp := call(t, s, tok, "GET", ingestPath+"/750Dn0000000999AAA", nil); resp.status != http.StatusNotFound {
			t.Fatalf("status %d", resp.status)
		}
	})
}

func TestIngestDuplicateRuleIgnoresTheHeader(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 3})
	tok := MustToken(t, s)
	recs := s.Records("Account")
	a, b := recs[0]["Id"].(string), recs[1]["Id"].(string)
	if err := s.Update("Account", b, map[string]any{"Name": recs[0]["Name"]}); err != nil {
		t.Fatal(err)
	}
	id := mustIngestJob(t, s, tok, nil)
	resp := call(t, s, tok, "PUT", ingestPath+"/"+id+"/batches", "Id,Lifecycle_Tags__c\n"+a+",x\n",
		"Content-Type", "text/csv", "Sforce-Duplicate-Rule-Header", "allowSave=true")
	if resp.status != http.StatusCreated {
		t.Fatalf("upload: %d", resp.status)
	}
	patchState(t, s, tok, id, "UploadComplete")
	failed := results(t, s, tok, id, "failedResults")
	if len(failed) != 2 || !strings.HasPrefix(failed[1][1], "DUPLICATES_DETECTED:") {
		t.Fatalf("failed = %v", failed)
	}
}
