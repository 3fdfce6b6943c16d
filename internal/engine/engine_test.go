package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
	"github.com/lifecycled/lifecycled/internal/engine"
	"github.com/lifecycled/lifecycled/internal/oracle"
)

// TestSyncTenThousandAccounts: one cycle leaves every account's tags and
// status equal to the independent expectation; a second makes zero writes.
func TestSyncTenThousandAccounts(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 accounts")
	}
	// The REST paths (the Bulk ones: bulk_test.go).
	h := newHarnessWith(t, sftest.Options{Accounts: 10000}, func(h *harness) {
		h.tune = func(o *engine.Options) { o.BulkThreshold, o.BulkWriteThreshold = -1, -1 }
	})
	r := h.cycle()
	if r.Kind != "full" || r.Pulled != 10000 {
		t.Fatalf("first cycle: kind %q pulled %d, want a full pull of 10000", r.Kind, r.Pulled)
	}
	if r.Written == 0 || r.Written != r.Changed {
		t.Fatalf("first cycle wrote %d of %d changed accounts", r.Written, r.Changed)
	}
	if bad := h.checkAll(); bad != 0 {
		t.Fatalf("%d accounts differ from the expectation", bad)
	}
	// The minimum for a full cycle: ceil(pulled/2000) query pages and
	// ceil(changed/200) collection writes (the token and describe calls
	// happen at Open, before the cycle).
	minimum := (r.Pulled+1999)/2000 + (r.Changed+199)/200
	if float64(r.APICalls) > 1.02*float64(minimum) {
		t.Fatalf("full cycle made %d API calls, more than 2%% over the minimum %d", r.APICalls, minimum)
	}
	st := h.srv.Stats()
	if got := st.Requests["query"][200] + st.Requests["queryMore"][200] + st.Requests["collections"][200]; got != r.APICalls {
		t.Fatalf("the emulator saw %d query and write calls, the run counted %d", got, r.APICalls)
	}
	before := h.srv.Stats()
	h.clock.Advance(time.Minute)
	r2 := h.cycle()
	after := h.srv.Stats()
	if got := after.Writes - before.Writes; got != 0 || r2.Written != 0 || r2.Changed != 0 {
		t.Fatalf("second cycle: %d write requests, run %+v; want none", got, r2)
	}
	if r2.Pulled > r.Written/10 {
		t.Fatalf("second cycle pulled %d records; lifecycled's own %d writes must not be pulled back", r2.Pulled, r.Written)
	}
	if after.NoopWrites != 0 {
		t.Fatalf("%d no-op writes", after.NoopWrites)
	}
}

// TestIncrementalPullReadsOnlyEditedAccounts: after 25 edits, the next cycle
// pulls only those and writes only where results changed.
func TestIncrementalPullReadsOnlyEditedAccounts(t *testing.T) {
	h := newHarness(t, 2000, sftest.Faults{})
	h.cycle()
	h.clock.Advance(time.Hour)
	h.cycle() // pulls what the first cycle wrote
	h.clock.Advance(time.Hour)

	recs := h.srv.Records("Account")
	edited := map[string]bool{}
	wantWrites := 0
	for i := 0; len(edited) < 25; i += 37 {
		rec := recs[i%len(recs)]
		id := rec["Id"].(string)
		if edited[id] {
			continue
		}
		edited[id] = true
		health := "Poor"
		if rec[oracle.Health] == "Poor" {
			health = "Good"
		}
		if err := h.srv.Update("Account", id, map[string]any{oracle.Health: health}); err != nil {
			t.Fatal(err)
		}
		after, _ := h.srv.Record("Account", id)
		if oracle.Gap(after, h.clock.Now()) != "" {
			wantWrites++
		}
	}
	before := h.srv.Stats()
	r := h.cycle()
	if r.Kind != "incremental" || r.Pulled != 25 {
		t.Fatalf("cycle after edits: kind %q pulled %d, want incremental with 25", r.Kind, r.Pulled)
	}
	if r.Written != wantWrites {
		t.Fatalf("wrote %d accounts, want %d (those whose results changed)", r.Written, wantWrites)
	}
	for _, w := range h.srv.WriteLog()[len(h.srv.WriteLog())-r.Written:] {
		if !edited[w.ID] {
			t.Fatalf("wrote account %s, which was not edited", w.ID)
		}
	}
	if bad := h.checkAll(); bad != 0 {
		t.Fatalf("%d accounts differ from the expectation", bad)
	}
	if got := h.srv.Stats().NoopWrites - before.NoopWrites; got != 0 {
		t.Fatalf("%d no-op writes", got)
	}
}

// TestDayRollover: moving the as-of date forward a day changes exactly the
// accounts whose phase or checkpoint changed.
func TestDayRollover(t *testing.T) {
	h := newHarness(t, 3000, sftest.Faults{})
	h.cycle()
	h.clock.Advance(time.Minute)
	h.cycle()

	h.clock.Advance(24 * time.Hour)
	tomorrow := h.clock.Now()
	want := map[string]bool{}
	for _, rec := range h.srv.Records("Account") {
		if oracle.Gap(rec, tomorrow) != "" {
			want[rec["Id"].(string)] = true
		}
	}
	if len(want) == 0 {
		t.Fatal("the generated data has no account whose phase changes in a day")
	}
	n := len(h.srv.WriteLog())
	r := h.cycle()
	got := map[string]bool{}
	for _, w := range h.srv.WriteLog()[n:] {
		got[w.ID] = true
	}
	if len(got) != len(want) || r.Written != len(want) {
		t.Fatalf("wrote %d accounts (run says %d), want %d", len(got), r.Written, len(want))
	}
	for id := range want {
		if !got[id] {
			t.Fatalf("account %s changed phase but was not written", id)
		}
	}
	if bad := h.checkAll(); bad != 0 {
		t.Fatalf("%d accounts differ from the expectation", bad)
	}
}

// TestFaultsConverge: with 5% faults of every kind and a token revocation
// mid-run, repeated cycles converge to the fault-free result with no no-op
// writes.
func TestFaultsConverge(t *testing.T) {
	faults := sftest.Faults{
		Seed: 11, ServerUnavailable: 0.05, Reset: 0.05, Slow: 0.05, SlowDelay: 20 * time.Millisecond,
		LockRow: 0.05, HTMLError: 0.02, TruncatedJSON: 0.02,
	}
	h := newHarness(t, 3000, faults)
	ctx := context.Background()
	for i := 0; i < 30; i++ {
		if i == 2 {
			h.srv.RevokeTokens()
		}
		h.engine.Cycle(ctx) // a cycle may fail; the next one picks up
		h.clock.Advance(2 * time.Minute)
		depth, err := h.db.OutboxDepth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if i >= 3 && depth == 0 && h.checkAll() == 0 {
			break
		}
	}
	h.srv.SetFaults(sftest.Faults{})
	h.cycle()
	if bad := h.checkAll(); bad != 0 {
		t.Fatalf("%d accounts differ from the expectation after the faults", bad)
	}
	if st := h.srv.Stats(); st.NoopWrites != 0 {
		t.Fatalf("%d no-op writes (of %d)", st.NoopWrites, st.RecordWrites)
	}
}

// TestDriftIsReasserted: a status a person changes by hand is written back on
// the next cycle and counted as drift in the run and the account's history.
func TestDriftIsReasserted(t *testing.T) {
	h := newHarness(t, 500, sftest.Faults{})
	h.cycle()
	h.clock.Advance(time.Hour)
	h.cycle()
	var id string
	var was string
	for _, rec := range h.srv.Records("Account") {
		if s, ok := rec[oracle.Status].(string); ok && s != "Core-Poor" {
			id, was = rec["Id"].(string), s
			break
		}
	}
	if id == "" {
		t.Fatal("no account with a status")
	}
	h.clock.Advance(time.Hour)
	if err := h.srv.Update("Account", id, map[string]any{oracle.Status: "Core-Poor"}); err != nil {
		t.Fatal(err)
	}
	r := h.cycle()
	if r.Drift != 1 || r.Written != 1 {
		t.Fatalf("run %+v: want drift 1, written 1", r)
	}
	rec, _ := h.srv.Record("Account", id)
	if got := rec[oracle.Status]; got != was {
		t.Fatalf("status after the cycle = %v, want %q re-asserted", got, was)
	}
	hist, err := h.db.History(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	last := hist[len(hist)-1]
	if last.Kind != "drift" || last.To == nil || *last.To != "Core-Poor" {
		t.Fatalf("last history entry %+v, want the drift to Core-Poor", last)
	}
	h.clock.Advance(time.Minute)
	if r := h.cycle(); r.Written != 0 || r.Drift != 0 {
		t.Fatalf("cycle after re-assertion: %+v, want quiet", r)
	}
}

// TestGoneAccountsAreClearedThenForgotten: an account deleted in Salesforce is
// forgotten after the next full pull; one that left the scope gets its
// managed values cleared once, keeping foreign tags.
func TestGoneAccountsAreClearedThenForgotten(t *testing.T) {
	h := newHarness(t, 300, sftest.Faults{})
	h.cycle()
	var leaving, deleted string
	for _, rec := range h.srv.Records("Account") {
		if _, ok := rec[oracle.Status].(string); !ok {
			continue
		}
		if leaving == "" {
			leaving = rec["Id"].(string)
		} else {
			deleted = rec["Id"].(string)
			break
		}
	}
	if err := h.srv.Update("Account", leaving, map[string]any{oracle.Tags: "VIP;Core-Good", "Type": "Partner"}); err != nil {
		t.Fatal(err)
	}
	if err := h.srv.Delete("Account", deleted); err != nil {
		t.Fatal(err)
	}
	// Narrow the scope and force a full pull through a new scope version.
	h.close()
	h.cfg.Salesforce.Where = "Type != 'Partner'"
	h.open()
	h.clock.Advance(time.Hour)
	r := h.cycle()
	if r.Kind != "full" || r.Deleted != 2 {
		t.Fatalf("run %+v: want a full pull that drops 2 accounts", r)
	}
	rec, _ := h.srv.Record("Account", leaving)
	if rec[oracle.Status] != nil || rec[oracle.Tags] != "VIP" {
		t.Fatalf("account that left the scope: status %v tags %v, want null and \"VIP\"", rec[oracle.Status], rec[oracle.Tags])
	}
	for _, id := range []string{leaving, deleted} {
		if _, err := h.db.Account(context.Background(), id); err == nil {
			t.Fatalf("account %s still stored", id)
		}
	}
	n := h.srv.Stats().RecordWrites
	h.clock.Advance(time.Hour)
	h.cycle()
	if got := h.srv.Stats().RecordWrites - n; got != 0 {
		t.Fatalf("%d writes after the accounts were forgotten", got)
	}
}

// TestWatermarkFollowsSalesforceClock: with the host's clock an hour ahead of
// Salesforce's, an edit made in Salesforce after a cycle is still pulled by
// the next incremental cycle: the watermark comes from Salesforce's time.
func TestWatermarkFollowsSalesforceClock(t *testing.T) {
	h := newHarness(t, 300, sftest.Faults{})
	h.engine.Now = func() time.Time { return h.clock.Now().Add(time.Hour) }
	h.cycle()
	h.clock.Advance(10 * time.Minute)
	h.cycle()
	h.clock.Advance(10 * time.Minute)
	var id string
	for _, rec := range h.srv.Records("Account") {
		if rec[oracle.Status] == "Core-Good" {
			id = rec["Id"].(string)
			break
		}
	}
	if id == "" {
		t.Fatal("no Core-Good account")
	}
	if err := h.srv.Update("Account", id, map[string]any{oracle.Health: "Poor"}); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(10 * time.Minute)
	r := h.cycle()
	if r.Kind != "incremental" || r.Pulled != 1 || r.Written != 1 {
		t.Fatalf("run %+v: want an incremental pull of the one edited account, and its write", r)
	}
	rec, _ := h.srv.Record("Account", id)
	if got := rec[oracle.Status]; got != "Core-Poor" {
		t.Fatalf("status after the edit = %v, want Core-Poor", got)
	}
}
