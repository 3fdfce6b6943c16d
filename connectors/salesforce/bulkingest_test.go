package salesforce

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
)

// mustJobResults polls until the job ended (at most 10 polls).
func mustJobResults(t *testing.T, c *Client, id string, batch []Update) []Result {
	t.Helper()
	for i := 0; i < 10; i++ {
		res, done, err := c.UpdateJobResults(context.Background(), id, batch)
		if err != nil {
			t.Fatalf("update job results: %v", err)
		}
		if done {
			if len(res) != len(batch) {
				t.Fatalf("%d results for %d updates", len(res), len(batch))
			}
			return res
		}
	}
	t.Fatal("job not done after 10 polls")
	return nil
}

func TestBulkUpdateJobOf5000Records(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 5100, BulkPollsToComplete: 1,
		Faults: sftest.Faults{LockRow: 0.01, Seed: 3}})
	c := mustClient(t, srv, nil)
	ctx := context.Background()
	recs := srv.Records("Account")
	invalid, badValue, trigger := recs[7]["Id"].(string), recs[11]["Id"].(string), recs[4321]["Id"].(string)
	srv.FailValidation(invalid)
	srv.FailTrigger(trigger)
	nulled := 12 // a record whose tags are set, so clearing them is a change
	for recs[nulled]["Lifecycle_Tags__c"] == nil {
		nulled++
	}
	batch := make([]Update, 5000)
	for i := range batch {
		fields := map[string]any{"Lifecycle_Tags__c": fmt.Sprintf("bulk;n%d", i)}
		switch i {
		case 11:
			fields["Account_Lifecycle_Status__c"] = "Not-A-Status"
		case nulled:
			fields["Lifecycle_Tags__c"] = nil
		case 4990:
			fields["Lifecycle_Tags__c"] = "has, a comma and \"quotes\"\nand a line"
		}
		id := recs[i]["Id"].(string)
		if i%2 == 0 {
			id = id[:15]
		}
		batch[i] = Update{ID: id, Fields: fields}
	}
	srv.ResetStats()
	id, err := c.CreateUpdateJob(ctx, "Account")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.UploadUpdateJob(ctx, id, batch); err != nil {
		t.Fatal(err)
	}
	if _, done, err := c.UpdateJobResults(ctx, id, batch); err != nil || done {
		t.Fatalf("first poll: done %v, err %v; want the job still running", done, err)
	}
	res := mustJobResults(t, c, id, batch)
	counts := map[Class]int{}
	for i, r := range res {
		if r.ID != batch[i].ID {
			t.Fatalf("result %d is for %s, want %s", i, r.ID, batch[i].ID)
		}
		counts[Classify(r.Err)]++
		var ap *APIError
		switch id := recs[i]["Id"].(string); {
		case id == invalid:
			if !errors.As(r.Err, &ap) || ap.Code != "FIELD_CUSTOM_VALIDATION_EXCEPTION" || Classify(r.Err) != ClassPermanent {
				t.Errorf("validation rule: %v (%s)", r.Err, Classify(r.Err))
			}
		case id == badValue:
			if !errors.As(r.Err, &ap) || ap.Code != "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" ||
				len(ap.Fields) != 1 || ap.Fields[0] != "Account_Lifecycle_Status__c" || Classify(r.Err) != ClassPermanent {
				t.Errorf("bad picklist value: %#v", r.Err)
			}
		case i >= 4200 && i < 4400:
			if Classify(r.Err) != ClassRetryLater {
				t.Errorf("record %d in the trigger's chunk: %v (%s), want retry_later", i, r.Err, Classify(r.Err))
			}
		case r.Err != nil:
			if !errors.As(r.Err, &ap) || ap.Code != "UNABLE_TO_LOCK_ROW" || Classify(r.Err) != ClassRetryLater {
				t.Errorf("record %d: %v", i, r.Err)
			}
		}
	}
	if counts[ClassNone] < 4600 || counts[ClassRetryLater] < 210 {
		t.Fatalf("classes: %v", counts)
	}
	for i, u := range batch {
		if res[i].Err != nil {
			continue
		}
		rec, _ := srv.Record("Account", u.ID)
		if got, want := rec["Lifecycle_Tags__c"], u.Fields["Lifecycle_Tags__c"]; got != want {
			t.Fatalf("record %d: tags = %q, want %q", i, got, want)
		}
	}
	if res[nulled].Err != nil || res[4990].Err != nil {
		t.Fatalf("null and quoted values: %v, %v", res[nulled].Err, res[4990].Err)
	}
	st := srv.Stats()
	if st.NoopWrites != 0 || st.RecordWrites != counts[ClassNone] {
		t.Errorf("stats: %d record writes (%d no-ops), want %d", st.RecordWrites, st.NoopWrites, counts[ClassNone])
	}
	if st.APICalls != 8 || c.Calls() < 8 {
		t.Errorf("API calls = %d (client %d), want 8: create, upload, close, 2 polls, 3 results", st.APICalls, c.Calls())
	}

	t.Run("AskingAgainGivesTheSameAnswer", func(t *testing.T) {
		again := mustJobResults(t, c, id, batch)
		for i := range res {
			if fmt.Sprint(again[i]) != fmt.Sprint(res[i]) || Classify(again[i].Err) != Classify(res[i].Err) {
				t.Fatalf("result %d: %v then %v", i, res[i], again[i])
			}
		}
		if got := srv.Stats().RecordWrites; got != st.RecordWrites {
			t.Fatalf("asking again wrote %d records", got-st.RecordWrites)
		}
	})
}

func TestBulkJobLeftOpenIsAbortedAndNothingIsSent(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 3})
	c := mustClient(t, srv, nil)
	ctx := context.Background()
	batch := []Update{{ID: srv.Records("Account")[0]["Id"].(string), Fields: map[string]any{"Lifecycle_Tags__c": "x"}}}
	for _, uploaded := range []bool{false, true} {
		id, err := c.CreateUpdateJob(ctx, "Account")
		if err != nil {
			t.Fatal(err)
		}
		if uploaded { // the data went up, then the process died before closing the job
			data, _ := encodeIngestCSV(batch)
			s, _ := c.session()
			if _, err := c.ingestCall(ctx, s, http.MethodPut, "jobs/ingest/"+id+"/batches", "text/csv", "application/json", data); err != nil {
				t.Fatal(err)
			}
		}
		res := mustJobResults(t, c, id, batch)
		var te *TransportError
		if !errors.As(res[0].Err, &te) || te.Sent || Classify(res[0].Err) != ClassTransient {
			t.Fatalf("uploaded %v: %#v, want a not-sent transport error", uploaded, res[0].Err)
		}
		if job, err := c.jobInfo(ctx, id); err != nil || job.State != jobStateAborted {
			t.Fatalf("uploaded %v: job %+v, %v; want Aborted", uploaded, job, err)
		}
		if err := c.UploadUpdateJob(ctx, id, batch); Classify(err) != ClassPermanent {
			t.Fatalf("upload to an aborted job: %v", err)
		}
	}
	if n := len(srv.WriteLog()); n != 0 {
		t.Fatalf("%d records written", n)
	}
}

func TestBulkJobFieldAccessAndEncodingErrorsPerRecord(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 4})
	c := mustClient(t, srv, nil)
	ctx := context.Background()
	recs := srv.Records("Account")
	srv.SetFieldEditable("Account", "NPS__c", false)
	batch := []Update{
		{ID: recs[0]["Id"].(string), Fields: map[string]any{"NPS__c": 9.5, "Lifecycle_Tags__c": "a"}},
		{ID: recs[1]["Id"].(string), Fields: map[string]any{"Lifecycle_Tags__c": "b"}},
		{ID: "", Fields: map[string]any{"Lifecycle_Tags__c": "c"}},
		{ID: recs[2]["Id"].(string), Fields: map[string]any{"Lifecycle_Tags__c": make(chan int)}},
		{ID: recs[3]["Id"].(string), Fields: map[string]any{"Lifecycle_Tags__c": "#N/A"}},
	}
	id, err := c.CreateUpdateJob(ctx, "Account")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.UploadUpdateJob(ctx, id, batch); err != nil {
		t.Fatal(err)
	}
	res := mustJobResults(t, c, id, batch)
	var ap *APIError
	if !errors.As(res[0].Err, &ap) || Classify(res[0].Err) != ClassFieldAccess || len(ap.Fields) != 1 || ap.Fields[0] != "NPS__c" {
		t.Errorf("not editable: %#v (%s)", res[0].Err, Classify(res[0].Err))
	}
	if res[1].Err != nil {
		t.Errorf("valid record: %v", res[1].Err)
	}
	for _, i := range []int{2, 3, 4} {
		if Classify(res[i].Err) != ClassPermanent {
			t.Errorf("record %d: %v (%s), want a permanent encoding error", i, res[i].Err, Classify(res[i].Err))
		}
	}
	if n := len(srv.WriteLog()); n != 1 {
		t.Errorf("%d records written, want 1", n)
	}
}

func TestBulkJobUnprocessedRecords(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 3})
	c := mustClient(t, srv, nil)
	ctx := context.Background()
	recs := srv.Records("Account")
	run := func(t *testing.T, batch []Update) []Result {
		id, err := c.CreateUpdateJob(ctx, "Account")
		if err != nil {
			t.Fatal(err)
		}
		if err := c.UploadUpdateJob(ctx, id, batch); err != nil {
			t.Fatal(err)
		}
		return mustJobResults(t, c, id, batch)
	}
	t.Run("UnknownColumnFailsTheJob", func(t *testing.T) {
		res := run(t, []Update{
			{ID: recs[0]["Id"].(string), Fields: map[string]any{"Lifecycle_Tags__c": "x"}},
			{ID: recs[1]["Id"].(string), Fields: map[string]any{"No_Such__c": "y"}},
		})
		for i, r := range res {
			var te *TransportError
			if !errors.As(r.Err, &te) || te.Sent || !strings.Contains(r.Err.Error(), "Field name not found : No_Such__c") {
				t.Errorf("record %d: %v", i, r.Err)
			}
		}
	})
	t.Run("JobFailedByTheOrg", func(t *testing.T) {
		srv.FailIngestJobs("InvalidBatch : batch could not be processed after 20 retries")
		defer srv.FailIngestJobs("")
		res := run(t, []Update{{ID: recs[2]["Id"].(string), Fields: map[string]any{"Lifecycle_Tags__c": "z"}}})
		if Classify(res[0].Err) != ClassTransient || !strings.Contains(res[0].Err.Error(), "20 retries") {
			t.Errorf("record: %v", res[0].Err)
		}
	})
	if n := len(srv.WriteLog()); n != 0 {
		t.Fatalf("%d records written", n)
	}
}

func TestParseIngestError(t *testing.T) {
	for _, tc := range []struct {
		in, code, msg, fields string
	}{
		{"REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --", "REQUIRED_FIELD_MISSING", "Required fields are missing: [Name]", "Name"},
		{"INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--", "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ""},
		{"UNABLE_TO_LOCK_ROW", "UNABLE_TO_LOCK_ROW", "", ""},
		{"FIELD_CUSTOM_VALIDATION_EXCEPTION:Custom validation rule violated.", "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Custom validation rule violated.", ""},
		{"INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:bad value for restricted picklist field: X", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "bad value for restricted picklist field: X", ""},
		{"STRING_TOO_LONG:Tags: data value too large: x (max length=5):A__c;B__c --", "STRING_TOO_LONG", "Tags: data value too large: x (max length=5)", "A__c,B__c"},
		{"Something went wrong", "UNKNOWN_EXCEPTION", "Something went wrong", ""},
	} {
		e := parseIngestError(tc.in)
		if e.Code != tc.code || e.Message != tc.msg || strings.Join(e.Fields, ",") != tc.fields {
			t.Errorf("%q: got %q %q %q", tc.in, e.Code, e.Message, e.Fields)
		}
	}
}

func FuzzParseIngestResults(f *testing.F) {
	f.Add([]byte("\"sf__Id\",\"sf__Error\",Id,Phone\n\"\",\"INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--\",\"001xx\",\"5\"\n"))
	f.Add([]byte("\"sf__Id\",\"sf__Created\",Id\r\n\"001Dn0000000001AAA\",\"false\",\"001Dn0000000001\"\r\n"))
	f.Add([]byte("Id\n\"a\"\"b\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := parseIngestResults(body)
		if err != nil {
			if !errors.Is(err, ErrMalformedResponse) {
				t.Fatalf("error %v is not ErrMalformedResponse", err)
			}
			return
		}
		col := r.col("sf__Error")
		for _, row := range r.rows {
			if len(row) != len(r.header) {
				t.Fatalf("row of %d values under %d columns", len(row), len(r.header))
			}
			if col >= 0 {
				e := parseIngestError(row[col])
				if e.Code == "" {
					t.Fatalf("no code from %q", row[col])
				}
			}
		}
	})
}
