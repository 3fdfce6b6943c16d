package engine_test

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce"
	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
	"github.com/lifecycled/lifecycled/internal/engine"
	"github.com/lifecycled/lifecycled/internal/oracle"
)

// orgState is what a test compares between two runs: every account's tags
// and status in the emulator, and the rejections by account and field.
type orgState struct {
	values     map[string][2]any
	rejections map[string]string // "id field" -> code
}

func stateOf(t *testing.T, h *harness) orgState {
	t.Helper()
	s := orgState{values: map[string][2]any{}, rejections: map[string]string{}}
	for _, rec := range h.srv.Records("Account") {
		s.values[rec["Id"].(string)] = [2]any{rec[oracle.Tags], rec[oracle.Status]}
	}
	for id, byField := range rejectionsByField(t, h.db) {
		for f, r := range byField {
			s.rejections[id+" "+f] = r.Code
		}
	}
	return s
}

// TestBulkAndRESTGiveTheSameResults runs the same org through the REST
// paths only and through the Bulk API 2.0 paths (low thresholds), with
// foreign tags, record types that refuse statuses, a duplicate rule (which
// Bulk API 2.0 cannot be told to allow), a validation rule, a
// person's edits (drift), deleted accounts and a day's rollover: both end
// in the same Salesforce state with the same rejections and no no-op write.
func TestBulkAndRESTGiveTheSameResults(t *testing.T) {
	run := func(t *testing.T, bulk bool) (orgState, sftest.Stats) {
		h := newHarnessWith(t, sftest.Options{Accounts: 3000, PartnerShare: 0.2, DuplicateShare: 0.05}, func(h *harness) {
			h.orgRules = true
			h.tune = func(o *engine.Options) {
				o.BulkThreshold, o.BulkWriteThreshold = -1, -1
				if bulk {
					o.BulkThreshold, o.BulkWriteThreshold = 500, 100
				}
			}
		})
		recs := h.srv.Records("Account")
		var failing []string
		for i := 5; i < len(recs); i += 97 {
			failing = append(failing, recs[i]["Id"].(string))
		}
		h.srv.FailValidation(failing...)
		h.cycle()
		// A person clears the status of some accounts (drift) and deletes others.
		h.clock.Advance(2 * time.Minute)
		for i := 11; i < len(recs); i += 53 {
			if err := h.srv.Update("Account", recs[i]["Id"].(string), map[string]any{oracle.Status: nil}); err != nil {
				t.Fatal(err)
			}
		}
		for i := 17; i < len(recs); i += 301 {
			if err := h.srv.Delete("Account", recs[i]["Id"].(string)); err != nil {
				t.Fatal(err)
			}
		}
		h.cycle()
		// The next day: rollover, and a full pull (clears the deleted).
		h.clock.Advance(25 * time.Hour)
		h.cycle()
		h.clock.Advance(2 * time.Minute)
		if r := h.cycle(); r.Written != 0 {
			t.Errorf("a cycle after convergence wrote %d records", r.Written)
		}
		return stateOf(t, h), h.srv.Stats()
	}
	rest, restStats := run(t, false)
	bulk, bulkStats := run(t, true)
	if restStats.NoopWrites != 0 || bulkStats.NoopWrites != 0 {
		t.Errorf("no-op writes: REST %d, Bulk %d; want 0", restStats.NoopWrites, bulkStats.NoopWrites)
	}
	if !maps.Equal(rest.values, bulk.values) {
		n := 0
		for id, v := range rest.values {
			if bulk.values[id] != v && n < 5 {
				n++
				t.Errorf("account %s: REST %v, Bulk %v", id, v, bulk.values[id])
			}
		}
		t.Fatal("the REST and Bulk paths left Salesforce in different states")
	}
	if !maps.Equal(rest.rejections, bulk.rejections) {
		t.Fatalf("rejections differ: REST %d, Bulk %d", len(rest.rejections), len(bulk.rejections))
	}
	if len(rest.rejections) == 0 {
		t.Fatal("no rejections: the test proves nothing about them")
	}
	used := func(st sftest.Stats, endpoint string) int {
		return st.Requests[endpoint][200] + st.Requests[endpoint][201]
	}
	for _, ep := range []string{"bulkQueryJobs", "ingestJobs"} {
		if used(bulkStats, ep) == 0 || used(restStats, ep) != 0 {
			t.Errorf("%s requests: Bulk run %d, REST run %d; want some and none", ep, used(bulkStats, ep), used(restStats, ep))
		}
	}
}

// TestQueryTimeoutFallsBackToBulk: a full pull whose REST query Salesforce
// refuses as QUERY_TIMEOUT (not selective, over a large object) is read by
// a Bulk query job instead, and the cycle succeeds.
func TestQueryTimeoutFallsBackToBulk(t *testing.T) {
	h := newHarnessWith(t, sftest.Options{Accounts: 2000, QueryTimeoutRows: 500}, func(h *harness) {
		h.tune = func(o *engine.Options) { o.BulkThreshold = 1000000 } // REST first
	})
	r := h.cycle()
	if r.Pulled != 2000 {
		t.Fatalf("pulled %d, want 2000", r.Pulled)
	}
	st := h.srv.Stats()
	if st.Requests["query"][400] == 0 || st.Requests["bulkQueryJobs"][200] == 0 {
		t.Fatalf("requests %v: want a refused REST query, then a Bulk query job", st.Requests)
	}
	if bad := h.checkAll(); bad != 0 {
		t.Fatalf("%d accounts out of sync", bad)
	}
}

// TestOwnWritesAreNotPulledBack: the cycle after a write reads only what
// others changed: lifecycled's own writes, though inside the overlap
// window, are not pulled again, and a person's edit is.
func TestOwnWritesAreNotPulledBack(t *testing.T) {
	h := newHarness(t, 3000, sftest.Faults{})
	if r := h.cycle(); r.Written < 1000 {
		t.Fatalf("first cycle wrote %d", r.Written)
	}
	h.clock.Advance(time.Minute)
	recs := h.srv.Records("Account")
	edited := recs[42]["Id"].(string)
	if err := h.srv.Update("Account", edited, map[string]any{"Last_Activity_Date__c": "2026-03-01"}); err != nil {
		t.Fatal(err)
	}
	r := h.cycle()
	if r.Pulled != 1 || r.APICalls > 2 {
		t.Fatalf("cycle after the write: pulled %d in %d calls; want only the edited account, in at most 2 calls", r.Pulled, r.APICalls)
	}
}

// editingCRM makes a person's edit land between a cycle's pull and its
// push: when the engine re-reads what others changed just before it writes.
type editingCRM struct {
	*salesforce.Client
	queries int
	edit    func()
}

func (e *editingCRM) Query(ctx context.Context, soql string, fn func([]salesforce.Record) error) error {
	e.queries++
	if e.queries == 2 && e.edit != nil {
		e.edit()
		e.edit = nil
	}
	return e.Client.Query(ctx, soql, fn)
}

// TestEditBetweenPullAndPushIsNotLost: a person changes an account's inputs
// after lifecycled pulled it and before it writes it; the account ends
// with the status its new inputs give, within two cycles.
func TestEditBetweenPullAndPushIsNotLost(t *testing.T) {
	var ed *editingCRM
	h := newHarnessWith(t, sftest.Options{Accounts: 500}, func(h *harness) {
		h.wrap = func(c *salesforce.Client) engine.CRM { ed = &editingCRM{Client: c}; return ed }
	})
	h.cycle()
	// Pick a paying core account and make it Poor between pull and push.
	var id string
	for _, rec := range h.srv.Records("Account") {
		if s, _ := rec[oracle.Status].(string); strings.HasPrefix(s, "Core-Good") {
			id = rec["Id"].(string)
			break
		}
	}
	if id == "" {
		t.Fatal("no Core-Good account")
	}
	h.clock.Advance(time.Hour) // a new day for nobody: still the same date
	ed.queries = 0
	ed.edit = func() {
		if err := h.srv.Update("Account", id, map[string]any{"Customer_Health__c": "Poor", "Active_Users__c": 0.0}); err != nil {
			t.Error(err)
		}
	}
	// Something must be written for the cycle to push: a person's drift.
	other := ""
	for _, rec := range h.srv.Records("Account") {
		if rec["Id"] != id && rec[oracle.Status] != nil {
			other = rec["Id"].(string)
			break
		}
	}
	if err := h.srv.Update("Account", other, map[string]any{oracle.Status: nil}); err != nil {
		t.Fatal(err)
	}
	h.cycle()
	if ed.edit != nil {
		t.Fatal("the edit did not happen between the pull and the push")
	}
	h.clock.Advance(time.Minute)
	h.cycle()
	rec, _ := h.srv.Record("Account", id)
	_, want := oracle.Expect(rec, h.clock.Now())
	if !sameStatus(rec[oracle.Status], want) {
		t.Fatalf("account %s: status %v after the edit, want %v", id, rec[oracle.Status], deref(want))
	}
}

// TestBudgetCapsEveryCall: with a daily limit of 100 calls and
// max_api_share 0.2, lifecycled's calls stop at 20, pulls included (the
// full pull alone needs 23 pages).
func TestBudgetCapsEveryCall(t *testing.T) {
	h := newHarnessWith(t, sftest.Options{Accounts: 45000, APILimit: 100}, func(h *harness) {
		h.cfg.Sync.MaxAPIShare = 0.2
		h.tune = func(o *engine.Options) { o.BulkThreshold, o.BulkWriteThreshold, o.MaxAPIShare = -1, -1, 0.2 }
	})
	r, _ := h.engine.Cycle(context.Background())
	used, _ := h.srv.APIUsage()
	if used > 21 {
		t.Fatalf("the org's API usage reached %d calls with a cap of 20 (run %+v)", used, r)
	}
	if r.Outcome != engine.OutcomeLimited && r.Outcome != engine.OutcomePartial {
		t.Fatalf("outcome %q, want limited or partial", r.Outcome)
	}
}
