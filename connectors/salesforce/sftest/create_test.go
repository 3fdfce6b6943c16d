package sftest

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestCreateTask(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 3})
	tok := MustToken(t, s)
	acct := s.Records("Account")[0]["Id"].(string)
	base := "/services/data/v" + testVersion

	t.Run("SingleRecordIs201WithDefaults", func(t *testing.T) {
		r := call(t, s, tok, "POST", base+"/sobjects/Task", map[string]any{
			"Subject": "Call", "WhatId": acct, "ActivityDate": "2024-03-20", "Lifecycled_Play_Key__c": "k1"})
		if r.status != http.StatusCreated {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		var res saveResult
		mustJSON(t, r.body, &res)
		rec, ok := s.Record("Task", res.ID)
		if !ok || !res.Success || !strings.HasPrefix(res.ID, "00T") {
			t.Fatalf("result %+v, record found %v", res, ok)
		}
		if rec["Priority"] != "Normal" || rec["Status"] != "Not Started" || rec["OwnerId"] != IntegrationUserID || rec["CreatedById"] != IntegrationUserID {
			t.Errorf("defaults: %v", rec)
		}
	})
	t.Run("SingleRecordErrorsAre400", func(t *testing.T) {
		r := call(t, s, tok, "POST", base+"/sobjects/Task", map[string]any{"Subject": "x", "Bogus__c": 1})
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "INVALID_FIELD") {
			t.Fatalf("unknown field: %d %s", r.status, r.body)
		}
		r = call(t, s, tok, "POST", base+"/sobjects/Task", map[string]any{"Subject": "x", "Id": acct})
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "cannot specify Id in an insert call") {
			t.Fatalf("id: %d %s", r.status, r.body)
		}
	})
	t.Run("CollectionsPerRecordResults", func(t *testing.T) {
		owner := "005Dn0000000099IAA"
		s.DeactivateUser(owner)
		s.FailValidationWhere("Task", "Subject", "blocked", "Tasks cannot be blocked.")
		defer s.FailValidationWhere("", "", "", "")
		task := func(subject, owner string) map[string]any {
			m := map[string]any{"attributes": map[string]any{"type": "Task"}, "Subject": subject, "WhatId": acct}
			if owner != "" {
				m["OwnerId"] = owner
			}
			return m
		}
		r := call(t, s, tok, "POST", base+"/composite/sobjects", map[string]any{"allOrNone": false,
			"records": []any{task("ok", ""), task("gone", owner), task("blocked", ""), task("fine", HumanUserID)}})
		if r.status != http.StatusOK {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		var res []saveResult
		mustJSON(t, r.body, &res)
		if len(res) != 4 || !res[0].Success || res[1].Success || res[2].Success || !res[3].Success {
			t.Fatalf("results %+v", res)
		}
		if got := res[1].Errors[0]; got.StatusCode != "INACTIVE_OWNER_OR_USER" || !strings.Contains(got.Message, owner) {
			t.Errorf("inactive owner: %+v", got)
		}
		if got := res[2].Errors[0]; got.StatusCode != "FIELD_CUSTOM_VALIDATION_EXCEPTION" {
			t.Errorf("validation: %+v", got)
		}
		before := len(s.Records("Task"))
		r = call(t, s, tok, "POST", base+"/composite/sobjects", map[string]any{"allOrNone": true,
			"records": []any{task("ok2", ""), task("blocked", "")}})
		mustJSON(t, r.body, &res)
		if res[0].Success || res[0].Errors[0].StatusCode != "ALL_OR_NONE_OPERATION_ROLLED_BACK" || len(s.Records("Task")) != before {
			t.Fatalf("allOrNone: %+v", res)
		}
	})
	t.Run("QueryByKey", func(t *testing.T) {
		var q queryResult
		r := call(t, s, tok, "GET", queryPath("SELECT Id, Lifecycled_Play_Key__c FROM Task WHERE WhatId = '"+acct+"' AND Lifecycled_Play_Key__c IN ('k1', 'k2')"), nil)
		mustJSON(t, r.body, &q)
		if r.status != http.StatusOK || q.TotalSize != 1 || q.Records[0]["Lifecycled_Play_Key__c"] != "k1" {
			t.Fatalf("query: %d %s", r.status, r.body)
		}
	})
	t.Run("ResetCreateAppliesTheCreate", func(t *testing.T) {
		s.SetFaults(Faults{ResetCreate: 1})
		defer s.SetFaults(Faults{})
		before := len(s.Records("Task"))
		req, _ := http.NewRequest("POST", s.URL()+base+"/sobjects/Task", strings.NewReader(`{"Subject":"reset"}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil {
				t.Fatalf("want a cut connection, got %d with a whole body", resp.StatusCode)
			}
		}
		if got := len(s.Records("Task")); got != before+1 {
			t.Fatalf("tasks %d, want %d", got, before+1)
		}
	})
}
