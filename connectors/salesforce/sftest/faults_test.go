package sftest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseFaults(t *testing.T) {
	f, err := ParseFaults("503=0.05,html500=0.01,reset=0.02,slow=0.05,slow_delay=200ms,401=0.01,lockrow=0.05,malformed=0.01,truncated=0.01,seed=7")
	if err != nil {
		t.Fatal(err)
	}
	want := Faults{Seed: 7, ServerUnavailable: 0.05, HTMLError: 0.01, Reset: 0.02, Slow: 0.05, SlowDelay: 200 * time.Millisecond,
		Spurious401: 0.01, LockRow: 0.05, MalformedError: 0.01, TruncatedJSON: 0.01}
	if f != want {
		t.Fatalf("ParseFaults = %+v, want %+v", f, want)
	}
	if again, err := ParseFaults(f.String()); err != nil || again != f {
		t.Fatalf("ParseFaults(String()) = %+v, %v", again, err)
	}
	if f, err := ParseFaults(" "); err != nil || f != (Faults{}) {
		t.Fatalf("empty spec = %+v, %v", f, err)
	}
	for _, bad := range []string{"503", "503=2", "503=-0.1", "nope=0.1", "slow_delay=soon", "seed=x", "reset=abc"} {
		if _, err := ParseFaults(bad); err == nil {
			t.Errorf("ParseFaults(%q) succeeded", bad)
		}
	}
}

// statuses makes n limits calls and returns their statuses (0 for a
// transport error).
func statuses(t *testing.T, s *Server, tok string, n int) []int {
	t.Helper()
	var out []int
	for i := 0; i < n; i++ {
		resp, err := doRaw(s, tok, http.MethodGet, "/services/data/v62.0/limits", "")
		if err != nil {
			out = append(out, 0)
			continue
		}
		out = append(out, resp.StatusCode)
	}
	return out
}

// doRaw sends a request and reads the body, returning transport errors.
func doRaw(s *Server, tok, method, path, body string) (*http.Response, error) {
	req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(strings.NewReader(string(data)))
	return resp, nil
}

func TestFaultsAreDeterministic(t *testing.T) {
	f := Faults{Seed: 42, ServerUnavailable: 0.2, HTMLError: 0.2, Spurious401: 0.1, MalformedError: 0.1}
	run := func(f Faults) []int {
		s, _ := MustServer(t, Options{Faults: f})
		return statuses(t, s, MustToken(t, s), 60)
	}
	a, b := run(f), run(f)
	if !slices.Equal(a, b) {
		t.Fatalf("same seed, different faults:\n%v\n%v", a, b)
	}
	for _, want := range []int{200, 401, 500, 503} {
		if !slices.Contains(a, want) {
			t.Errorf("no %d among %v", want, a)
		}
	}
	f.Seed = 43
	if c := run(f); slices.Equal(a, c) {
		t.Errorf("seeds 42 and 43 gave the same faults: %v", a)
	}
	// SetFaults restarts the sequence from the seed.
	s, _ := MustServer(t, Options{})
	tok := MustToken(t, s)
	s.SetFaults(Faults{Seed: 42, ServerUnavailable: 0.2, HTMLError: 0.2, Spurious401: 0.1, MalformedError: 0.1})
	if got := statuses(t, s, tok, 60); !slices.Equal(got, a) {
		t.Fatalf("SetFaults: %v, want %v", got, a)
	}
}

func TestFaultKinds(t *testing.T) {
	t.Run("ServerUnavailable", func(t *testing.T) {
		s, _ := MustServer(t, Options{Faults: Faults{ServerUnavailable: 1}})
		resp := call(t, s, MustToken(t, s), http.MethodGet, "/services/data/v62.0/limits", nil)
		if resp.status != http.StatusServiceUnavailable || apiErrors(t, resp.body)[0].ErrorCode != "SERVER_UNAVAILABLE" {
			t.Fatalf("status %d body %s", resp.status, resp.body)
		}
	})
	t.Run("HTMLError", func(t *testing.T) {
		s, _ := MustServer(t, Options{Faults: Faults{HTMLError: 1}})
		resp := call(t, s, MustToken(t, s), http.MethodGet, "/services/data/v62.0/limits", nil)
		if resp.status != http.StatusInternalServerError || !strings.HasPrefix(resp.header.Get("Content-Type"), "text/html") ||
			!strings.HasPrefix(string(resp.body), "<!DOCTYPE html>") {
			t.Fatalf("status %d type %q body %.60s", resp.status, resp.header.Get("Content-Type"), resp.body)
		}
	})
	t.Run("Spurious401", func(t *testing.T) {
		s, _ := MustServer(t, Options{Faults: Faults{Spurious401: 1}})
		tok := MustToken(t, s)
		resp := call(t, s, tok, http.MethodGet, "/services/data/v62.0/limits", nil)
		if resp.status != http.StatusUnauthorized || string(resp.body) != invalidSessionBody {
			t.Fatalf("status %d body %s", resp.status, resp.body)
		}
		s.SetFaults(Faults{})
		if resp := call(t, s, tok, http.MethodGet, "/services/data/v62.0/limits", nil); resp.status != http.StatusOK {
			t.Fatalf("the token stopped working: status %d", resp.status)
		}
	})
	t.Run("MalformedErrorBodies", func(t *testing.T) {
		s, _ := MustServer(t, Options{Faults: Faults{MalformedError: 1, Seed: 3}})
		tok := MustToken(t, s)
		seen := map[string]bool{}
		for i := 0; i < 40; i++ {
			resp := call(t, s, tok, http.MethodGet, "/services/data/v62.0/limits", nil)
			if resp.status != http.StatusInternalServerError {
				t.Fatalf("status %d", resp.status)
			}
			var items []errorItem
			if json.Unmarshal(resp.body, &items) == nil && len(items) > 0 && items[0].ErrorCode != "" {
				t.Fatalf("a well-formed error body: %s", resp.body)
			}
			seen[string(resp.body)] = true
		}
		for _, want := range []string{"[]", "{}", "Internal Server Error"} {
			if !seen[want] {
				t.Errorf("body %q never seen in %v", want, seen)
			}
		}
		if len(seen) != len(malformedBodies) {
			t.Errorf("%d distinct bodies, want %d", len(seen), len(malformedBodies))
		}
	})
	t.Run("TruncatedJSON", func(t *testing.T) {
		s, _ := MustServer(t, Options{Accounts: 20, Faults: Faults{TruncatedJSON: 1}})
		resp := call(t, s, MustToken(t, s), http.MethodGet, queryPath("SELECT Id, Name FROM Account"), nil)
		var v any
		if resp.status != http.StatusOK || json.Unmarshal(resp.body, &v) == nil || len(resp.body) < 10 {
			t.Fatalf("status %d, body %q decodes", resp.status, resp.body)
		}
	})
	t.Run("ResetOnRead", func(t *testing.T) {
		s, _ := MustServer(t, Options{Accounts: 20, Faults: Faults{Reset: 1}})
		if _, err := doRaw(s, MustToken(t, s), http.MethodGet, queryPath("SELECT Id FROM Account"), ""); err == nil {
			t.Fatal("a reset read succeeded")
		}
		if got := s.Stats().Requests["query"][0]; got != 1 {
			t.Fatalf("Requests[query][0] = %d, want 1", got)
		}
	})
	t.Run("ResetOnWriteAppliesFirst", func(t *testing.T) {
		s, _ := MustServer(t, Options{Accounts: 5, Faults: Faults{Reset: 1}})
		tok := MustToken(t, s)
		id := firstID(t, s)
		body, _ := json.Marshal(map[string]any{"records": []any{acct(id, map[string]any{"NPS__c": 33})}})
		_, err := doRaw(s, tok, http.MethodPatch, collectionsPath, string(body))
		if err == nil {
			t.Fatal("a reset write succeeded")
		}
		if errors.Is(err, io.EOF) {
			t.Logf("client error: %v", err)
		}
		if v := field(t, s, id, "NPS__c"); v != 33.0 {
			t.Fatalf("NPS__c = %v, want 33: the write was not applied before the cut", v)
		}
		if st := s.Stats(); st.RecordWrites != 1 || st.Requests["collections"][0] != 1 {
			t.Fatalf("stats = %+v", st)
		}
		// A single-record PATCH has no body to cut: the connection drops
		// before the status line.
		if _, err := doRaw(s, tok, http.MethodPatch, "/services/data/v62.0/sobjects/Account/"+id, `{"NPS__c":34}`); err == nil {
			t.Fatal("a reset PATCH succeeded")
		}
		if v := field(t, s, id, "NPS__c"); v != 34.0 {
			t.Fatalf("NPS__c = %v, want 34", v)
		}
	})
	t.Run("Slow", func(t *testing.T) {
		s, _ := MustServer(t, Options{Faults: Faults{Slow: 1, SlowDelay: time.Hour}})
		tok := MustToken(t, s)
		client := &http.Client{Timeout: 100 * time.Millisecond}
		req, _ := http.NewRequest(http.MethodGet, s.URL()+"/services/data/v62.0/limits", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			t.Fatal("an hour-slow response arrived")
		}
		s.SetFaults(Faults{})
		if resp := call(t, s, tok, http.MethodGet, "/services/data/v62.0/limits", nil); resp.status != http.StatusOK {
			t.Fatalf("after SetFaults: status %d", resp.status)
		}
	})
	t.Run("LockRow", func(t *testing.T) {
		s, _ := MustServer(t, Options{Accounts: 50, Faults: Faults{LockRow: 0.5, Seed: 9}})
		tok := MustToken(t, s)
		var recs []map[string]any
		for _, id := range ids(s, 50) {
			recs = append(recs, acct(id, map[string]any{"NPS__c": 1}))
		}
		_, res, _ := collection(t, s, tok, false, recs)
		locked := 0
		for _, r := range res {
			if !r.Success {
				if r.Errors[0].StatusCode != "UNABLE_TO_LOCK_ROW" {
					t.Fatalf("result %+v", r)
				}
				locked++
			}
		}
		if locked == 0 || locked == 50 {
			t.Fatalf("%d of 50 records locked at probability 0.5", locked)
		}
		if got := s.Stats().RecordWrites; got != 50-locked {
			t.Fatalf("RecordWrites = %d, want %d", got, 50-locked)
		}
	})
	t.Run("TokenEndpointIsNeverFaulted", func(t *testing.T) {
		s, _ := MustServer(t, Options{Faults: Faults{ServerUnavailable: 1, Reset: 1}})
		MustToken(t, s)
		if resp := call(t, s, "", http.MethodGet, "/services/data/", nil); resp.status != http.StatusOK {
			t.Fatalf("versions: status %d", resp.status)
		}
	})
}
