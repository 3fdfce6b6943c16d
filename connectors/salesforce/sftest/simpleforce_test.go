package sftest

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/simpleforce/simpleforce"
)

// TestSimpleforce is the acceptance test of issue 3: simpleforce, the
// client library the daemon uses, runs a paginated query over three pages,
// a describe and a 450-record update through sObject Collections against
// the emulator over real HTTP.
func TestSimpleforce(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 4500, Seed: 30})
	client := simpleforce.NewClient(s.URL(), testClientID, testVersion)
	client.SetSidLoc(MustToken(t, s), s.URL())

	// A query whose results span three pages: 2000, 2000 and 500.
	res, err := client.Query("SELECT Id, Name, Paying_Customer__c, Lifecycle_Tags__c FROM Account")
	if err != nil {
		t.Fatal(err)
	}
	var pages []int
	var ids []string
	for {
		pages = append(pages, len(res.Records))
		for _, rec := range res.Records {
			ids = append(ids, rec.ID())
			if rec.Type() != "Account" {
				t.Fatalf("record type %q", rec.Type())
			}
		}
		if res.Done {
			break
		}
		if res.NextRecordsURL == "" {
			t.Fatal("done is false without nextRecordsUrl")
		}
		if res, err = client.Query(res.NextRecordsURL); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(pages, []int{2000, 2000, 500}) || res.TotalSize != 4500 {
		t.Fatalf("pages %v, totalSize %d", pages, res.TotalSize)
	}

	// A describe.
	meta := client.SObject("Account").Describe()
	if meta == nil {
		t.Fatal("describe failed")
	}
	fields, _ := (*meta)["fields"].([]any)
	found := false
	for _, f := range fields {
		m, _ := f.(map[string]any)
		if m["name"] == "Account_Lifecycle_Status__c" && m["restrictedPicklist"] == true && m["type"] == "picklist" {
			found = true
		}
	}
	if !found {
		t.Fatalf("describe lacks the status picklist: %d fields", len(fields))
	}

	// 450 records through sObject Collections, in requests of 200, 200 and 50.
	s.ResetStats()
	targets := ids[:450]
	for from := 0; from < len(targets); from += 200 {
		chunk := targets[from:min(from+200, len(targets))]
		var records []map[string]any
		for _, id := range chunk {
			records = append(records, map[string]any{"attributes": map[string]any{"type": "Account"}, "id": id,
				"Account_Lifecycle_Status__c": "Core-Good", "Lifecycle_Tags__c": "Core-Good"})
		}
		body, _ := json.Marshal(map[string]any{"allOrNone": false, "records": records})
		out, err := client.ApexREST("PATCH", "services/data/v"+testVersion+"/composite/sobjects", bytes.NewReader(body))
		if err != nil {
			t.Fatalf("collections PATCH: %v", err)
		}
		var results []saveResult
		if err := json.Unmarshal(out, &results); err != nil {
			t.Fatalf("decode results: %v", err)
		}
		if len(results) != len(chunk) {
			t.Fatalf("%d results for %d records", len(results), len(chunk))
		}
		for i, r := range results {
			if !r.Success || r.ID != chunk[i] {
				t.Fatalf("result %d = %+v, want success for %s", i, r, chunk[i])
			}
		}
	}
	st := s.Stats()
	if !slices.Equal(st.RecordsPerWrite, []int{200, 200, 50}) || st.RecordWrites != 450 || st.Writes != 3 {
		t.Fatalf("stats = %+v", st)
	}
	for _, id := range targets {
		r, _ := s.Record("Account", id)
		if r["Account_Lifecycle_Status__c"] != "Core-Good" {
			t.Fatalf("%s not updated: %v", id, r)
		}
	}
	log := s.WriteLog()
	if len(log) != 450 || log[0].ID != targets[0] || log[449].ID != targets[449] {
		t.Fatalf("write log has %d entries", len(log))
	}
}
