package salesforce

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// oddResponses are responses no Salesforce documentation promises but
// proxies, outages and bugs produce.
var oddResponses = []struct {
	name        string
	status      int
	contentType string
	body        string
	read, write Class // Classify of a query's and an update's error
}{
	{"EmptyErrorArray", 400, "application/json", `[]`, ClassPermanent, ClassPermanent},
	{"EmptyErrorObject500", 500, "application/json", `{}`, ClassTransient, ClassAmbiguous},
	{"ArrayOfEmptyObject", 400, "application/json", `[{}]`, ClassPermanent, ClassPermanent},
	{"HTML500", 500, "text/html", "<html><head><title>Internal Server Error</title></head><body>oops</body></html>", ClassTransient, ClassAmbiguous},
	{"PlainText502", 502, "text/plain", "Bad Gateway", ClassTransient, ClassAmbiguous},
	{"Empty503", 503, "", "", ClassTransient, ClassTransient},
	{"TruncatedError500", 500, "application/json", `[{"message":"An unexpected error occurred (-1`, ClassTransient, ClassAmbiguous},
	{"TruncatedSuccess", 200, "application/json", `{"totalSize":3,"done":true,"records":[{"attributes":{"type":"Acc`, ClassTransient, ClassAmbiguous},
	{"HTMLSuccess", 200, "text/html", "<html><body>Login</body></html>", ClassTransient, ClassAmbiguous},
	{"EmptySuccess", 200, "application/json", "", ClassTransient, ClassAmbiguous},
	{"WrongShapeSuccess", 200, "application/json", `{"records":"nope","done":"maybe"}`, ClassTransient, ClassAmbiguous},
	{"ForbiddenHTML", 403, "text/html", "<html><title>Forbidden</title></html>", ClassLimit, ClassLimit},
	{"Redirect", 302, "text/html", "moved", ClassPermanent, ClassPermanent},
}

// TestOddBodies serves each odd response to Query, Describe and Update: no
// panic, no log output from simpleforce, the expected class, and a write
// that may have been applied is never sent twice.
func TestOddBodies(t *testing.T) {
	stdlog := captureStdLog(t)
	for _, tt := range oddResponses {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeOrg(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.status == 302 {
					w.Header().Set("Location", "https://elsewhere.example/steal")
				}
				reply(w, tt.status, tt.contentType, tt.body)
			})
			c := f.open(t, nil)
			ctx := context.Background()

			err := c.Query(ctx, "SELECT Id FROM Account", func([]Record) error {
				t.Fatal("callback called for a failed page")
				return nil
			})
			if got := Classify(err); got != tt.read {
				t.Errorf("query: Classify(%v) = %v, want %v", err, got, tt.read)
			}
			if _, err := c.Describe(ctx, "Account"); Classify(err) != tt.read && !(tt.status == 200 && Classify(err) == ClassPermanent) {
				t.Errorf("describe: Classify(%v) = %v, want %v", err, Classify(err), tt.read)
			}

			if _, err := c.RecordTypePicklists(ctx, "Account", MasterRecordTypeID); Classify(err) != tt.read {
				t.Errorf("record type picklists: Classify(%v) = %v, want %v", err, Classify(err), tt.read)
			}

			before := f.data.Load()
			res, err := c.Update(ctx, "Account", []Update{{ID: "001000000000001AAA", Fields: map[string]any{"Name": "x"}}})
			if got := Classify(err); got != tt.write {
				t.Errorf("update: Classify(%v) = %v, want %v (results %v)", err, got, tt.write, res)
			}
			if tt.write == ClassAmbiguous {
				if n := f.data.Load() - before; n != 1 {
					t.Errorf("ambiguous write sent %d times, want 1", n)
				}
				var am *AmbiguousError
				if !errors.As(err, &am) {
					t.Errorf("update error %T is not an *AmbiguousError", err)
				}
			}
		})
	}
	if out := stdlog.String(); out != "" {
		t.Fatalf("simpleforce wrote to the standard logger:\n%s", out)
	}
}

// TestServerUnavailableRetriedForReadsAndWrites checks that a 503 is
// retried (it was not processed) until it clears, for reads and writes.
func TestServerUnavailableRetriedForReadsAndWrites(t *testing.T) {
	var fails = map[string]int{"GET": 2, "PATCH": 2}
	f := newFakeOrg(t, func(w http.ResponseWriter, r *http.Request) {
		if fails[r.Method] > 0 {
			fails[r.Method]--
			reply(w, 503, "application/json", `[{"errorCode":"SERVER_UNAVAILABLE","message":"try later"}]`)
			return
		}
		if r.Method == http.MethodPatch {
			reply(w, 200, "application/json", `[{"id":"001000000000001AAA","success":true,"errors":[]}]`)
			return
		}
		reply(w, 200, "application/json", `{"totalSize":1,"done":true,"records":[{"attributes":{"type":"Account"},"Id":"001000000000001AAA"}]}`)
	})
	c := f.open(t, func(o *Options) { o.Retry.MaxElapsedTime = 5 * time.Second })
	var got []Record
	if err := c.Query(context.Background(), "SELECT Id FROM Account", func(p []Record) error {
		got = append(got, p...)
		return nil
	}); err != nil {
		t.Fatalf("query: %v", err)
	}
	if len(got) != 1 || got[0]["Id"] != "001000000000001AAA" {
		t.Fatalf("records = %v", got)
	}
	if _, ok := got[0][simpleforceClientKey]; ok {
		t.Fatal("simpleforce's client pointer leaked into the record")
	}
	res, err := c.Update(context.Background(), "Account", []Update{{ID: "001000000000001AAA", Fields: map[string]any{"Name": "x"}}})
	if err != nil || len(res) != 1 || res[0].Err != nil {
		t.Fatalf("update = %v, %v", res, err)
	}
	if n := f.data.Load(); n != 6 {
		t.Fatalf("data calls = %d, want 6 (3 for the query, 3 for the update)", n)
	}
}

// TestSecretsNeverLeak has the server echo every secret it received into
// its error bodies: none reaches an error string or a log line.
func TestSecretsNeverLeak(t *testing.T) {
	f := newFakeOrg(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		auth := r.Header.Get("Authorization")
		switch r.Method {
		case http.MethodPatch:
			reply(w, 500, "text/html", "<html><title>Error for "+auth+"</title><body>"+string(body)+"</body></html>")
		default:
			reply(w, 400, "application/json", fmt.Sprintf(`[{"errorCode":"INVALID_AUTH_HEADER","message":"bad header %s secret %s"}]`,
				auth, fakeClientSecret))
		}
	})
	logger, logs := newTestLogger()
	stdlog := captureStdLog(t)
	c := f.open(t, func(o *Options) { o.Logger = logger })
	ctx := context.Background()
	var errs []error
	errs = append(errs, c.Query(ctx, "SELECT Id FROM Account", func([]Record) error { return nil }))
	_, err := c.Describe(ctx, "Account")
	errs = append(errs, err)
	_, err = c.Update(ctx, "Account", []Update{{ID: "001000000000001AAA", Fields: map[string]any{"Name": fakeClientSecret}}})
	errs = append(errs, err)

	f.rejectAll.Store(true)
	c2 := New(Options{LoginURL: f.srv.URL, Flow: FlowPassword, ClientID: fakeClientID, ClientSecret: fakeClientSecret,
		Username: "user@example.com", Password: "hunter2-password", Logger: logger})
	errs = append(errs, c2.Open(ctx))

	secrets := []string{fakeClientSecret, fakeTokenPrefix, "hunter2-password"}
	for i, err := range errs {
		if err == nil {
			t.Fatalf("call %d succeeded, want an error", i)
		}
		assertNoSecrets(t, fmt.Sprintf("error %d", i), err.Error(), secrets...)
	}
	if !strings.Contains(errs[0].Error(), "[redacted]") {
		t.Errorf("query error %q: want the echoed token redacted", errs[0])
	}
	assertNoSecrets(t, "log", logs.String(), secrets...)
	assertNoSecrets(t, "standard log", stdlog.String(), secrets...)
}

// TestCancellation checks that a cancelled context ends a hanging read at
// once (no retry) and that a write cancelled after it was sent is
// ambiguous, not retried.
func TestCancellation(t *testing.T) {
	arrived := make(chan struct{}, 10)
	f := newFakeOrg(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so the server notices the client going away
		arrived <- struct{}{}
		<-r.Context().Done()
	})
	c := f.open(t, func(o *Options) { o.Retry.MaxElapsedTime = time.Hour })

	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	err := c.Query(ctx, "SELECT Id FROM Account", func([]Record) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("query error = %v, want context.Canceled", err)
	}
	if n := f.data.Load(); n != 1 {
		t.Fatalf("data calls = %d, want 1", n)
	}

	ctx, cancel = context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	_, err = c.Update(ctx, "Account", []Update{{ID: "001000000000001AAA", Fields: map[string]any{"Name": "x"}}})
	if Classify(err) != ClassAmbiguous || !errors.Is(err, context.Canceled) {
		t.Fatalf("update error = %v (%v), want an ambiguous context.Canceled", err, Classify(err))
	}
	if n := f.data.Load(); n != 2 {
		t.Fatalf("data calls = %d, want 2", n)
	}

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	_, err = c.Update(ctx, "Account", []Update{{ID: "001000000000001AAA", Fields: map[string]any{"Name": "x"}}})
	if Classify(err) != ClassTransient || !errors.Is(err, context.Canceled) {
		t.Fatalf("update with a dead context = %v (%v), want a transient context.Canceled", err, Classify(err))
	}
	if n := f.data.Load(); n != 2 {
		t.Fatalf("a write with a dead context reached the server (data calls %d)", n)
	}
}

// TestCallTimeout checks Options.Timeout: a read that hangs is cut and
// retried until the retry policy gives up; a write that hangs is cut once
// and reported ambiguous.
func TestCallTimeout(t *testing.T) {
	f := newFakeOrg(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	})
	c := f.open(t, func(o *Options) {
		o.Timeout = 20 * time.Millisecond
		o.Retry = RetryPolicy{InitialInterval: time.Millisecond, MaxInterval: time.Millisecond, MaxElapsedTime: 60 * time.Millisecond}
	})
	err := c.Query(context.Background(), "SELECT Id FROM Account", func([]Record) error { return nil })
	if !errors.Is(err, errCallTimeout) || Classify(err) != ClassTransient {
		t.Fatalf("query error = %v (%v), want a transient call timeout", err, Classify(err))
	}
	if n := f.data.Load(); n < 2 {
		t.Fatalf("a timed-out read was tried %d times, want retries", n)
	}
	before := f.data.Load()
	_, err = c.Update(context.Background(), "Account", []Update{{ID: "001000000000001AAA", Fields: map[string]any{"Name": "x"}}})
	if !errors.Is(err, errCallTimeout) || Classify(err) != ClassAmbiguous {
		t.Fatalf("update error = %v (%v), want an ambiguous call timeout", err, Classify(err))
	}
	if n := f.data.Load() - before; n != 1 {
		t.Fatalf("a timed-out write was sent %d times, want 1", n)
	}
}

// TestRejectedGrantIsNotRetried checks that a refused token request is
// ClassAuth, made once, and remembered: later calls fail without contacting
// Salesforce until Open succeeds again.
func TestRejectedGrantIsNotRetried(t *testing.T) {
	f := newFakeOrg(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 401, "application/json", `[{"errorCode":"INVALID_SESSION_ID","message":"Session expired or invalid"}]`)
	})
	c := f.open(t, nil)
	f.rejectAll.Store(true)
	err := c.Query(context.Background(), "SELECT Id FROM Account", func([]Record) error { return nil })
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Code != "invalid_grant" || Classify(err) != ClassAuth {
		t.Fatalf("query error = %v, want an invalid_grant *AuthError", err)
	}
	if got, want := f.tokens.Load(), int64(2); got != want {
		t.Fatalf("token requests = %d, want %d (Open and one refresh)", got, want)
	}
	calls := c.Calls()
	for range 3 {
		if _, err := c.Describe(context.Background(), "Account"); Classify(err) != ClassAuth {
			t.Fatalf("describe after a rejected grant = %v, want ClassAuth", err)
		}
	}
	if c.Calls() != calls {
		t.Fatalf("calls went from %d to %d after a rejected grant, want none", calls, c.Calls())
	}
	if err := c.Open(context.Background()); Classify(err) != ClassAuth {
		t.Fatalf("Open with a rejected grant = %v, want ClassAuth", err)
	}
}

// TestPersistent401 checks that a 401 that survives a new token is an
// *AuthError after exactly one refresh and one retry.
func TestPersistent401(t *testing.T) {
	f := newFakeOrg(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 401, "application/json", `[{"errorCode":"INVALID_SESSION_ID","message":"Session expired or invalid"}]`)
	})
	c := f.open(t, nil)
	_, err := c.Update(context.Background(), "Account", []Update{{ID: "001000000000001AAA", Fields: map[string]any{"Name": "x"}}})
	if Classify(err) != ClassAuth {
		t.Fatalf("update error = %v, want ClassAuth", err)
	}
	if f.tokens.Load() != 2 || f.data.Load() != 2 {
		t.Fatalf("token requests %d, data requests %d; want 2 and 2", f.tokens.Load(), f.data.Load())
	}
	if used, max := c.Usage(); used != 2 || max != 1000 {
		t.Fatalf("Usage() = %d/%d, want 2/1000", used, max)
	}
	if got := c.Calls(); got != 4 {
		t.Fatalf("Calls() = %d, want 4", got)
	}
}
