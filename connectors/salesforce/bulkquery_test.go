package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
)

const bulkFields = "Id, Name, Type, OwnerId, RecordTypeId, Start_Date__c, Paying_Customer__c, Active_Users__c, " +
	"Last_Login__c, NPS__c, Lifecycle_Tags__c, Account_Lifecycle_Status__c, SystemModstamp, LastModifiedById"

// bulkAll runs BulkQuery and returns every record and the page count.
func bulkAll(t *testing.T, c *Client, soql string) ([]Record, int) {
	t.Helper()
	var all []Record
	pages := 0
	err := c.BulkQuery(context.Background(), "Account", soql, func(p []Record) error {
		pages++
		all = append(all, p...)
		return nil
	})
	if err != nil {
		t.Fatalf("bulk query %q: %v", soql, err)
	}
	return all, pages
}

func TestBulkQueryReturnsWhatTheRESTQueryReturns(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 30000, Seed: 11, PartnerShare: 0.2})
	c := mustClient(t, srv, func(o *Options) { o.BulkMaxRecords = 7000 })
	soql := "SELECT " + bulkFields + " FROM Account"

	before := c.Calls()
	bulk, pages := bulkAll(t, c, soql)
	// describe + create + one poll + five results pages (7000 a page),
	// each handed over whole (a chunk holds up to 10,000 records).
	if got := c.Calls() - before; got != 8 || pages != 5 {
		t.Fatalf("%d calls in %d chunks, want 8 calls and 5 chunks", got, pages)
	}
	if st := srv.Stats(); st.Requests["bulkQueryResults"][200] != 5 {
		t.Fatalf("emulator counted %v results requests", st.Requests["bulkQueryResults"])
	}
	rest, _ := queryAll(t, c, soql)
	if len(bulk) != 30000 || len(rest) != 30000 {
		t.Fatalf("bulk %d records, REST %d, want 30000", len(bulk), len(rest))
	}
	byID := make(map[string]Record, len(rest))
	for _, r := range rest {
		delete(r, "attributes")
		byID[r["Id"].(string)] = r
	}
	kinds := map[string]bool{}
	for i, b := range bulk {
		r, ok := byID[b["Id"].(string)]
		if !ok {
			t.Fatalf("bulk record %d: Id %v not in the REST results", i, b["Id"])
		}
		if !reflect.DeepEqual(b, r) {
			t.Fatalf("bulk record %d = %v\nREST record = %v", i, b, r)
		}
		delete(byID, b["Id"].(string))
		for k, v := range b {
			if v != nil {
				kinds[k+":"+reflect.TypeOf(v).String()] = true
			}
		}
	}
	for _, k := range []string{"Paying_Customer__c:bool", "NPS__c:float64", "Last_Login__c:string", "Start_Date__c:string", "Lifecycle_Tags__c:string"} {
		if !kinds[k] {
			t.Errorf("no bulk value typed %s", k)
		}
	}

	// The describe is kept: a second job costs create, poll and one page.
	before = c.Calls()
	recent, _ := bulkAll(t, c, "SELECT Id FROM Account WHERE NPS__c > 90")
	if got := c.Calls() - before; got != 3 || len(recent) == 0 {
		t.Fatalf("second job: %d calls, %d records; want 3 calls", got, len(recent))
	}
	if used, _ := c.Usage(); used == 0 {
		t.Fatal("no usage read from Sforce-Limit-Info")
	}
}

func TestBulkQueryCleansUpAfterAFailure(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 50, Seed: 2})
	c := mustClient(t, srv, func(o *Options) { o.BulkMaxRecords = 20 })

	t.Run("FnErrorDeletesTheCompleteJob", func(t *testing.T) {
		boom := errors.New("boom")
		pages := 0
		err := c.BulkQuery(context.Background(), "Account", "SELECT Id FROM Account", func([]Record) error {
			pages++
			return boom
		})
		if err != boom || pages != 1 {
			t.Fatalf("err = %v after %d pages, want boom as it is after 1", err, pages)
		}
		if st := srv.Stats(); st.Requests["bulkQueryJob"][204] != 1 {
			t.Fatalf("job not deleted: %v", st.Requests["bulkQueryJob"])
		}
	})
	t.Run("CancelAbortsTheRunningJob", func(t *testing.T) {
		slow := mustEmulator(t, sftest.Options{Accounts: 5, Seed: 2, BulkPollsToComplete: 1000})
		sc := mustClient(t, slow, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
		defer cancel()
		err := sc.BulkQuery(ctx, "Account", "SELECT Id FROM Account", func([]Record) error { return nil })
		if !errors.Is(err, context.DeadlineExceeded) || Classify(err) != ClassTransient {
			t.Fatalf("err = %v (%s), want the deadline", err, Classify(err))
		}
		if got := jobStates(t, sc); len(got) != 1 || got[0] != "Aborted" {
			t.Fatalf("jobs = %v, want one Aborted", got)
		}
	})
	t.Run("FailedJob", func(t *testing.T) {
		srv.FailBulkQueries("InternalServerError : retried more than 15 times")
		defer srv.FailBulkQueries("")
		err := c.BulkQuery(context.Background(), "Account", "SELECT Id FROM Account", func([]Record) error { return nil })
		var be *BulkJobError
		if !errors.As(err, &be) || be.State != "Failed" || !strings.Contains(be.Message, "15 times") || Classify(err) != ClassPermanent {
			t.Fatalf("err = %v, want a Failed *BulkJobError", err)
		}
	})
	t.Run("BadQueryIsTheRESTError", func(t *testing.T) {
		err := c.BulkQuery(context.Background(), "Account", "SELECT Id, Nope__c FROM Account", func([]Record) error { return nil })
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != 400 || ae.Code != "INVALID_FIELD" || Classify(err) != ClassPermanent {
			t.Fatalf("err = %v, want 400 INVALID_FIELD", err)
		}
	})
}

// jobStates lists the states of the org's query jobs.
func jobStates(t *testing.T, c *Client) []string {
	t.Helper()
	s, err := c.session()
	if err != nil {
		t.Fatal(err)
	}
	body, err := c.get(context.Background(), s, "list jobs", "jobs/query")
	if err != nil {
		t.Fatal(err)
	}
	var list struct{ Records []queryJobInfo }
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, j := range list.Records {
		out = append(out, j.State)
	}
	return out
}

func TestQueryTimeoutIsItsOwnClass(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 2000, Seed: 5, QueryTimeoutRows: 1000})
	c := mustClient(t, srv, nil)
	full := "SELECT Id, SystemModstamp FROM Account ORDER BY SystemModstamp, Id"
	before := c.Calls()
	err := c.Query(context.Background(), full, func([]Record) error { return nil })
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != "QUERY_TIMEOUT" || Classify(err) != ClassQueryTimeout || ae.Temporary() {
		t.Fatalf("err = %v (%s), want QUERY_TIMEOUT, ClassQueryTimeout", err, Classify(err))
	}
	if got := c.Calls() - before; got != 1 {
		t.Fatalf("%d calls, want 1: QUERY_TIMEOUT is not retried", got)
	}
	// The caller's fallbacks: the same SOQL as a bulk job, or a narrow
	// window of recent changes over REST that skips lifecycled's own writes.
	if recs, _ := bulkAll(t, c, full); len(recs) != 2000 {
		t.Fatalf("bulk fallback: %d records", len(recs))
	}
	since := time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04:05Z")
	recs, _ := queryAll(t, c, "SELECT Id FROM Account WHERE SystemModstamp > "+since+
		" AND LastModifiedById != '"+c.UserID()+"' ORDER BY SystemModstamp, Id")
	if len(recs) >= 2000 {
		t.Fatalf("incremental window returned %d records", len(recs))
	}
}
