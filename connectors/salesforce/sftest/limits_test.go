package sftest

import (
	"net/http"
	"testing"
)

func TestAPILimit(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 3, APILimit: 10})
	tok := MustToken(t, s)
	id := firstID(t, s)
	calls := []struct{ method, path string }{
		{http.MethodGet, "/services/data/v62.0/limits"},
		{http.MethodGet, "/services/data/v62.0/sobjects/Account/describe"},
		{http.MethodGet, queryPath("SELECT Id FROM Account")},
		{http.MethodGet, queryPath("SELECT Nope FROM Account")}, // an error still counts
		{http.MethodGet, "/services/data/v62.0/sobjects/Account/" + id},
		{http.MethodPatch, collectionsPath},
	}
	for i, c := range calls {
		var body any
		if c.method == http.MethodPatch {
			body = map[string]any{"records": []any{acct(id, map[string]any{"NPS__c": 1})}}
		}
		resp := call(t, s, tok, c.method, c.path, body)
		want := "api-usage=" + string(rune('1'+i)) + "/10"
		if got := resp.header.Get("Sforce-Limit-Info"); got != want {
			t.Fatalf("%s %s: Sforce-Limit-Info %q, want %q", c.method, c.path, got, want)
		}
	}
	// Neither the token endpoint nor a call without a valid session counts.
	MustToken(t, s)
	call(t, s, "bad-token", http.MethodGet, "/services/data/v62.0/limits", nil)
	if used, max := s.APIUsage(); used != 6 || max != 10 {
		t.Fatalf("APIUsage = %d/%d, want 6/10", used, max)
	}

	s.SetAPIUsage(10)
	resp := call(t, s, tok, http.MethodGet, "/services/data/v62.0/limits", nil)
	if resp.status != http.StatusForbidden {
		t.Fatalf("past the limit: status %d, want 403", resp.status)
	}
	if e := apiErrors(t, resp.body)[0]; e.ErrorCode != "REQUEST_LIMIT_EXCEEDED" || e.Message != "TotalRequests Limit exceeded." {
		t.Fatalf("past the limit: %+v", e)
	}
	if got, want := resp.header.Get("Sforce-Limit-Info"), "api-usage=10/10"; got != want {
		t.Fatalf("Sforce-Limit-Info past the limit = %q, want %q", got, want)
	}
	if used, _ := s.APIUsage(); used != 10 {
		t.Fatalf("a refused call counted: used = %d", used)
	}
	s.SetAPIUsage(0)
	if resp := call(t, s, tok, http.MethodGet, "/services/data/v62.0/limits", nil); resp.status != http.StatusOK {
		t.Fatalf("after SetAPIUsage(0): status %d", resp.status)
	}
}

func TestDefaultAPILimit(t *testing.T) {
	s, _ := MustServer(t, Options{})
	if _, max := s.APIUsage(); max != DefaultAPILimit {
		t.Fatalf("default max = %d, want %d", max, DefaultAPILimit)
	}
}
