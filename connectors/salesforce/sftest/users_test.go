package sftest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestUserIDsAreWellFormed(t *testing.T) {
	if got, want := IntegrationUserID, makeID("005", 1); got != want {
		t.Errorf("IntegrationUserID = %s, want %s", got, want)
	}
	if got, want := HumanUserID, makeID("005", 2); got != want {
		t.Errorf("HumanUserID = %s, want %s", got, want)
	}
}

func TestTokenIdentityURLNamesTheIntegrationUser(t *testing.T) {
	s, _ := MustServer(t, Options{})
	status, body := postForm(t, s.TokenURL(), url.Values{
		"grant_type": {"client_credentials"}, "client_id": {testClientID}, "client_secret": {testClientSecret},
	})
	if status != http.StatusOK {
		t.Fatalf("token: %d %s", status, body)
	}
	var tr struct {
		ID string `json:"id"`
	}
	mustJSON(t, body, &tr)
	if want := s.URL() + "/id/" + orgID + "/" + IntegrationUserID; tr.ID != want {
		t.Fatalf("id = %q, want %q", tr.ID, want)
	}
}

func TestLastModifiedByIdTellsAPIWritesFromUsers(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 5, Seed: 1})
	tok := MustToken(t, s)
	recs := s.Records("Account")
	for _, r := range recs {
		if r["CreatedById"] != HumanUserID || r["LastModifiedById"] != HumanUserID {
			t.Fatalf("generated %s: CreatedById %v LastModifiedById %v, want %s", r["Id"], r["CreatedById"], r["LastModifiedById"], HumanUserID)
		}
	}
	apiID, userID := recs[0]["Id"].(string), recs[1]["Id"].(string)
	r := call(t, s, tok, http.MethodPatch, "/services/data/v"+testVersion+"/sobjects/Account/"+apiID, map[string]any{"NPS__c": 10})
	if r.status != http.StatusNoContent {
		t.Fatalf("PATCH: %d %s", r.status, r.body)
	}
	if err := s.Update("Account", userID, map[string]any{"NPS__c": 11}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Record("Account", apiID)
	if got["LastModifiedById"] != IntegrationUserID || got["CreatedById"] != HumanUserID {
		t.Fatalf("after API write: LastModifiedById %v CreatedById %v", got["LastModifiedById"], got["CreatedById"])
	}
	got, _ = s.Record("Account", userID)
	if got["LastModifiedById"] != HumanUserID {
		t.Fatalf("after user edit: LastModifiedById %v", got["LastModifiedById"])
	}
	// An API write stamps the integration user back over a user's edit.
	r = call(t, s, tok, http.MethodPatch, "/services/data/v"+testVersion+"/composite/sobjects",
		map[string]any{"allOrNone": false, "records": []any{map[string]any{"attributes": map[string]any{"type": "Account"}, "id": userID, "NPS__c": 12}}})
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"success":true`) {
		t.Fatalf("collections: %d %s", r.status, r.body)
	}
	got, _ = s.Record("Account", userID)
	if got["LastModifiedById"] != IntegrationUserID {
		t.Fatalf("after collections write: LastModifiedById %v", got["LastModifiedById"])
	}
	if err := s.Delete("Account", recs[2]["Id"].(string)); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Record("Account", recs[2]["Id"].(string))
	if got["LastModifiedById"] != HumanUserID {
		t.Fatalf("after delete: LastModifiedById %v", got["LastModifiedById"])
	}

	for _, tc := range []struct {
		where string
		want  int
	}{
		{"LastModifiedById != '" + IntegrationUserID + "'", 2}, // 5 - 2 API writes - 1 deleted
		{"LastModifiedById = '" + IntegrationUserID[:15] + "'", 2},
		{"LastModifiedById = '" + HumanUserID + "' AND CreatedById = '" + HumanUserID + "'", 2},
	} {
		r := call(t, s, tok, http.MethodGet, queryPath("SELECT Id, LastModifiedById FROM Account WHERE "+tc.where), nil)
		var qr queryResult
		mustJSON(t, r.body, &qr)
		if r.status != http.StatusOK || qr.TotalSize != tc.want {
			t.Errorf("WHERE %s: status %d, %d records, want %d: %s", tc.where, r.status, qr.TotalSize, tc.want, r.body)
		}
	}
}
