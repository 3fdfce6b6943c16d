package salesforce

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
)

// TestReadFaultsAreRetried reads 450 accounts in three pages while the
// emulator injects one kind of fault into half the requests: every kind a
// read can hit is retried, and the query returns every record once.
func TestReadFaultsAreRetried(t *testing.T) {
	stdlog := captureStdLog(t)
	kinds := []struct {
		name   string
		faults sftest.Faults
		status int // the status the emulator counts for the fault
	}{
		{"ServerUnavailable", sftest.Faults{ServerUnavailable: 0.5}, 503},
		{"HTMLError", sftest.Faults{HTMLError: 0.5}, 500},
		{"MalformedError", sftest.Faults{MalformedError: 0.5}, 500},
		{"Spurious401", sftest.Faults{Spurious401: 0.5}, 401},
		{"Reset", sftest.Faults{Reset: 0.5}, 0},
		{"TruncatedJSON", sftest.Faults{TruncatedJSON: 0.5}, 200},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			srv := mustEmulator(t, sftest.Options{Accounts: 450, Seed: 12})
			c := mustClient(t, srv, func(o *Options) { o.QueryBatchSize = 200 })
			k.faults.Seed = 3
			srv.SetFaults(k.faults)
			recs, pages := queryAll(t, c, "SELECT Id FROM Account ORDER BY Id")
			seen := map[string]bool{}
			for _, r := range recs {
				id := r["Id"].(string)
				if seen[id] {
					t.Fatalf("record %s seen twice", id)
				}
				seen[id] = true
			}
			if len(seen) != 450 || pages != 3 {
				t.Fatalf("got %d records in %d pages, want 450 in 3", len(seen), pages)
			}
			st := srv.Stats()
			faulted := st.Requests["query"][k.status] + st.Requests["queryMore"][k.status]
			if k.status == 200 {
				faulted -= 3 // the good pages
			}
			if faulted < 1 {
				t.Fatalf("no request was faulted (stats %v); the test proves nothing", st.Requests)
			}
			if _, err := c.Describe(context.Background(), "Account"); err != nil {
				t.Fatalf("describe under faults: %v", err)
			}
		})
	}
	if out := stdlog.String(); out != "" {
		t.Fatalf("standard log output: %s", out)
	}
}

// TestReadFaultsExhaustRetries makes every read fail: the query fails with
// a transient error once the retry policy's time is spent, without calling
// the callback.
func TestReadFaultsExhaustRetries(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 3, Seed: 13})
	c := mustClient(t, srv, func(o *Options) {
		o.Retry = RetryPolicy{InitialInterval: time.Millisecond, MaxInterval: 2 * time.Millisecond, MaxElapsedTime: 50 * time.Millisecond}
	})
	srv.SetFaults(sftest.Faults{ServerUnavailable: 1})
	err := c.Query(context.Background(), "SELECT Id FROM Account", func([]Record) error {
		t.Fatal("callback called")
		return nil
	})
	var ap *APIError
	if Classify(err) != ClassTransient || !errors.As(err, &ap) || ap.Code != codeServerUnavailable {
		t.Fatalf("query = %v, want a transient SERVER_UNAVAILABLE", err)
	}
	if got := statusCount(srv, "query", 503); got < 2 {
		t.Fatalf("503 answers = %d, want retries", got)
	}
}

// TestWriteFaults sends one write under each fault kind. A write whose
// request reached Salesforce and whose answer was lost or unclear is
// ClassAmbiguous and sent exactly once (the emulator shows whether it was
// applied); a 503 is retried until it is written.
func TestWriteFaults(t *testing.T) {
	kinds := []struct {
		name     string
		faults   sftest.Faults
		class    Class
		applied  bool
		requests int // collection requests; 0: more than one
	}{
		{"ResetAfterApply", sftest.Faults{Reset: 1}, ClassAmbiguous, true, 1},
		{"TruncatedSuccess", sftest.Faults{TruncatedJSON: 1}, ClassAmbiguous, true, 1},
		{"HTMLError", sftest.Faults{HTMLError: 1}, ClassAmbiguous, false, 1},
		{"MalformedError", sftest.Faults{MalformedError: 1}, ClassAmbiguous, false, 1},
		{"ServerUnavailableThenOK", sftest.Faults{ServerUnavailable: 0.7, Seed: 1}, ClassNone, true, 0},
		{"Spurious401ThenOK", sftest.Faults{Spurious401: 0.5, Seed: 5}, ClassNone, true, 0},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			srv := mustEmulator(t, sftest.Options{Accounts: 3, Seed: 14})
			c := mustClient(t, srv, nil)
			ids := accountIDs(srv)
			srv.SetFaults(k.faults)
			res, err := c.Update(context.Background(), "Account", updates(ids, "fault-"))
			if got := Classify(err); got != k.class {
				t.Fatalf("update = %v, %v; class %v, want %v", res, err, got, k.class)
			}
			if err == nil {
				for _, r := range res {
					if r.Err != nil {
						t.Fatalf("record %s: %v", r.ID, r.Err)
					}
				}
			}
			srv.SetFaults(sftest.Faults{})
			for i, id := range ids {
				rec, _ := srv.Record("Account", id)
				if got := rec["Lifecycle_Tags__c"] == fmt.Sprintf("fault-%d", i); got != k.applied {
					t.Errorf("record %d applied = %v, want %v", i, got, k.applied)
				}
			}
			n := requests(srv, "collections")
			switch {
			case k.requests > 0 && n != k.requests:
				t.Errorf("collection requests = %d, want %d", n, k.requests)
			case k.requests == 0 && n < 2:
				t.Errorf("collection requests = %d, want retries (the fault did not fire?)", n)
			}
			if got := srv.Stats().RecordWrites; k.applied && got != 3 {
				t.Errorf("records written = %d, want 3 (once each)", got)
			}
		})
	}
}

// TestSlowResponsesHitTheCallTimeout delays every response past
// Options.Timeout: reads fail transient after retries, a write is
// ambiguous and sent once.
func TestSlowResponsesHitTheCallTimeout(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 2, Seed: 15})
	c := mustClient(t, srv, func(o *Options) {
		o.Timeout = 30 * time.Millisecond
		o.Retry = RetryPolicy{InitialInterval: time.Millisecond, MaxInterval: 2 * time.Millisecond, MaxElapsedTime: 100 * time.Millisecond}
	})
	srv.SetFaults(sftest.Faults{Slow: 1, SlowDelay: 5 * time.Second})
	err := c.Query(context.Background(), "SELECT Id FROM Account", func([]Record) error { return nil })
	if Classify(err) != ClassTransient || !errors.Is(err, errCallTimeout) {
		t.Fatalf("slow query = %v, want a transient call timeout", err)
	}
	_, err = c.Update(context.Background(), "Account", updates(accountIDs(srv), "slow-"))
	if Classify(err) != ClassAmbiguous || !errors.Is(err, errCallTimeout) {
		t.Fatalf("slow update = %v, want an ambiguous call timeout", err)
	}
	if !strings.Contains(err.Error(), "outcome unknown") {
		t.Errorf("error %q does not say the outcome is unknown", err)
	}
}

// TestConvergesUnderFaults writes 450 accounts while every kind of fault
// fires at 5-10%, the way the engine does: write a batch, keep what
// succeeded, re-read what is unclear, write again only what is not there.
// It ends with every value in place and no write ever repeated.
func TestConvergesUnderFaults(t *testing.T) {
	stdlog := captureStdLog(t)
	srv := mustEmulator(t, sftest.Options{Accounts: 450, Seed: 16})
	c := mustClient(t, srv, func(o *Options) { o.QueryBatchSize = 200 })
	ids := accountIDs(srv)
	want := map[string]string{}
	for i, id := range ids {
		want[id] = fmt.Sprintf("converge-%d", i)
	}
	srv.SetFaults(sftest.Faults{Seed: 17, ServerUnavailable: 0.05, HTMLError: 0.05, Reset: 0.1, Spurious401: 0.05,
		LockRow: 0.05, MalformedError: 0.05, TruncatedJSON: 0.1, TriggerLock: 0.1})
	pending := append([]string(nil), ids...)
	ctx := context.Background()
	for round := 0; len(pending) > 0; round++ {
		if round == 60 {
			t.Fatalf("%d records still pending after %d rounds", len(pending), round)
		}
		var unclear, next []string
		for start := 0; start < len(pending); start += MaxBatchSize {
			chunk := pending[start:min(start+MaxBatchSize, len(pending))]
			batch := make([]Update, len(chunk))
			for i, id := range chunk {
				batch[i] = Update{ID: id, Fields: map[string]any{"Lifecycle_Tags__c": want[id]}}
			}
			res, err := c.Update(ctx, "Account", batch)
			switch Classify(err) {
			case ClassNone:
			case ClassAmbiguous:
				unclear = append(unclear, chunk...)
				continue
			case ClassTransient, ClassAuth:
				next = append(next, chunk...)
				continue
			default:
				t.Fatalf("update: %v", err)
			}
			for _, r := range res {
				switch Classify(r.Err) {
				case ClassNone:
				case ClassRetryLater, ClassTransient, ClassAuth:
					next = append(next, r.ID)
				case ClassAmbiguous:
					unclear = append(unclear, r.ID)
				default:
					t.Fatalf("record %s: %v", r.ID, r.Err)
				}
			}
		}
		if len(unclear) > 0 {
			// Re-pull, as the engine does, before deciding to write again.
			now := map[string]any{}
			err := c.Query(ctx, "SELECT Id, Lifecycle_Tags__c FROM Account", func(p []Record) error {
				for _, r := range p {
					now[r["Id"].(string)] = r["Lifecycle_Tags__c"]
				}
				return nil
			})
			if err != nil {
				next = append(next, unclear...) // still unknown: re-read next round
			} else {
				for _, id := range unclear {
					if now[id] != want[id] {
						next = append(next, id)
					}
				}
			}
		}
		pending = next
	}
	st := srv.Stats()
	srv.SetFaults(sftest.Faults{})
	for id, v := range want {
		if rec, _ := srv.Record("Account", id); rec["Lifecycle_Tags__c"] != v {
			t.Fatalf("%s = %v, want %v", id, rec["Lifecycle_Tags__c"], v)
		}
	}
	if st.NoopWrites != 0 {
		t.Errorf("no-op writes = %d, want 0 (a write was repeated blindly)", st.NoopWrites)
	}
	if st.RecordWrites != 450 {
		t.Errorf("record writes = %d, want 450", st.RecordWrites)
	}
	faulted := 0
	for _, byStatus := range st.Requests {
		faulted += byStatus[0] + byStatus[401] + byStatus[500] + byStatus[503]
	}
	if faulted == 0 {
		t.Fatal("no fault fired; the test proves nothing")
	}
	if out := stdlog.String(); out != "" {
		t.Fatalf("standard log output: %s", out)
	}
}
