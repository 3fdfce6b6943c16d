package sftest

import (
	"net/http"
	"testing"
	"time"
)

func TestStats(t *testing.T) {
	s, clk := MustServer(t, Options{Accounts: 2100})
	tok := MustToken(t, s)
	id := ids(s, 3)
	var qr queryResult
	mustJSON(t, call(t, s, tok, http.MethodGet, queryPath("SELECT Id FROM Account"), nil).body, &qr)
	call(t, s, tok, http.MethodGet, qr.NextRecordsURL, nil)
	call(t, s, tok, http.MethodGet, "/services/data/v62.0/sobjects/Account/describe", nil)
	call(t, s, tok, http.MethodGet, "/services/data/v62.0/sobjects/Nope/describe", nil)
	call(t, s, tok, http.MethodGet, "/services/data/v62.0/limits", nil)
	call(t, s, "", http.MethodGet, "/services/data/", nil)
	call(t, s, tok, http.MethodPatch, "/services/data/v62.0/sobjects/Account/"+id[0], map[string]any{"NPS__c": 5})
	cur := field(t, s, id[2], "Name")
	collection(t, s, tok, false, []map[string]any{acct(id[1], map[string]any{"NPS__c": 6}), acct(id[2], map[string]any{"Name": cur})})
	clk.Advance(time.Second)
	if err := s.Update("Account", id[1], map[string]any{"NPS__c": 7}); err != nil {
		t.Fatal(err)
	}

	st := s.Stats()
	want := map[string]map[int]int{
		"token": {200: 1}, "query": {200: 1}, "queryMore": {200: 1}, "describe": {200: 1, 404: 1},
		"limits": {200: 1}, "versions": {200: 1}, "sobject": {204: 1}, "collections": {200: 1},
	}
	for ep, byStatus := range want {
		for code, n := range byStatus {
			if got := st.Requests[ep][code]; got != n {
				t.Errorf("Requests[%s][%d] = %d, want %d (all: %v)", ep, code, got, n, st.Requests)
			}
		}
	}
	if st.APICalls != 7 || st.Writes != 2 || st.RecordWrites != 3 || st.NoopWrites != 1 || len(st.RecordsPerWrite) != 2 ||
		st.RecordsPerWrite[0] != 1 || st.RecordsPerWrite[1] != 2 {
		t.Fatalf("stats = %+v", st)
	}
	log := s.WriteLog()
	if len(log) != 4 {
		t.Fatalf("write log has %d entries, want 4: %+v", len(log), log)
	}
	for i, w := range log {
		if w.Seq != i+1 {
			t.Errorf("entry %d has Seq %d", i, w.Seq)
		}
	}
	if log[0].ID != id[0] || log[1].ID != id[1] || log[2].ID != id[2] || !log[2].Noop || log[3].Source != "user" || log[3].Fields["NPS__c"] != 7.0 {
		t.Fatalf("write log = %+v", log)
	}
	// Copies: changing what Stats returned changes nothing.
	st.Requests["token"][200] = 99
	log[0].Fields["NPS__c"] = "x"
	if s.Stats().Requests["token"][200] != 1 || s.WriteLog()[0].Fields["NPS__c"] != 5.0 {
		t.Fatal("Stats or WriteLog returned shared state")
	}

	s.ResetStats()
	if st := s.Stats(); st.APICalls != 0 || st.Writes != 0 || len(st.Requests) != 0 || len(st.RecordsPerWrite) != 0 {
		t.Fatalf("after ResetStats: %+v", st)
	}
	if used, _ := s.APIUsage(); used != 7 {
		t.Fatalf("ResetStats reset the API usage: %d", used)
	}
}

func TestWriteLogLimit(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 1, WriteLogLimit: 3})
	id := firstID(t, s)
	for i := 0; i < 10; i++ {
		if err := s.Update("Account", id, map[string]any{"NPS__c": i}); err != nil {
			t.Fatal(err)
		}
	}
	log := s.WriteLog()
	if len(log) != 3 || log[0].Seq != 8 || log[2].Seq != 10 || log[2].Fields["NPS__c"] != 9.0 {
		t.Fatalf("write log = %+v", log)
	}
}
