package salesforce

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
)

// updates returns an Update per id setting Lifecycle_Tags__c to prefix+i.
func updates(ids []string, prefix string) []Update {
	out := make([]Update, len(ids))
	for i, id := range ids {
		out[i] = Update{ID: id, Fields: map[string]any{"Lifecycle_Tags__c": fmt.Sprintf("%s%d", prefix, i)}}
	}
	return out
}

// TestUpdate450In3Calls writes 450 accounts in batches of 200, 200 and 50:
// three collection requests, every value applied, results in input order.
func TestUpdate450In3Calls(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 450, Seed: 6})
	c := mustClient(t, srv, nil)
	ids := accountIDs(srv)
	// Reverse the order so results cannot match by accident of sorting.
	slices.Reverse(ids)
	all := updates(ids, "tag-")
	all[7].Fields["Account_Lifecycle_Status__c"] = nil // clear a field
	for start := 0; start < len(all); start += MaxBatchSize {
		batch := all[start:min(start+MaxBatchSize, len(all))]
		res, err := c.Update(context.Background(), "Account", batch)
		if err != nil {
			t.Fatalf("update from %d: %v", start, err)
		}
		for i, r := range res {
			if r.ID != batch[i].ID || r.Err != nil {
				t.Fatalf("result %d = %+v, want %s ok", i, r, batch[i].ID)
			}
		}
	}
	st := srv.Stats()
	if got := st.Requests["collections"][200]; got != 3 {
		t.Errorf("collection requests = %d, want 3", got)
	}
	if !slices.Equal(st.RecordsPerWrite, []int{200, 200, 50}) {
		t.Errorf("records per write = %v, want [200 200 50]", st.RecordsPerWrite)
	}
	for i, u := range all {
		rec, _ := srv.Record("Account", u.ID)
		if rec["Lifecycle_Tags__c"] != u.Fields["Lifecycle_Tags__c"] {
			t.Fatalf("account %d Lifecycle_Tags__c = %v, want %v", i, rec["Lifecycle_Tags__c"], u.Fields["Lifecycle_Tags__c"])
		}
	}
	if rec, _ := srv.Record("Account", all[7].ID); rec["Account_Lifecycle_Status__c"] != nil {
		t.Errorf("cleared status = %v, want nil", rec["Account_Lifecycle_Status__c"])
	}

	if _, err := c.Update(context.Background(), "Account", updates(make([]string, 201), "x")); !errors.Is(err, ErrBatchTooLarge) {
		t.Fatalf("201 records = %v, want ErrBatchTooLarge", err)
	}
}

// TestUpdatePerRecordErrors mixes valid records with ones Salesforce
// rejects: each rejection comes back on its record as a permanent
// *APIError with code and field; the others are written.
func TestUpdatePerRecordErrors(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 6, Seed: 7})
	c := mustClient(t, srv, nil)
	ids := accountIDs(srv)
	if err := srv.Delete("Account", ids[3]); err != nil {
		t.Fatal(err)
	}
	batch := []Update{
		{ID: ids[0], Fields: map[string]any{"Lifecycle_Tags__c": "ok-0"}},
		{ID: ids[1], Fields: map[string]any{"Customer_Health__c": "Wonderful"}},
		{ID: ids[2], Fields: map[string]any{"Name": strings.Repeat("n", 300)}},
		{ID: ids[3], Fields: map[string]any{"Lifecycle_Tags__c": "deleted"}},
		{ID: ids[4], Fields: map[string]any{"Lifecycle_Tags__c": "ok-4"}},
		{ID: "", Fields: map[string]any{"Lifecycle_Tags__c": "no id"}},
	}
	res, err := c.Update(context.Background(), "Account", batch)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "STRING_TOO_LONG", "ENTITY_IS_DELETED", "", "MALFORMED_ID"}
	for i, r := range res {
		if r.ID != batch[i].ID {
			t.Fatalf("result %d is for %q, want %q", i, r.ID, batch[i].ID)
		}
		var ap *APIError
		switch {
		case want[i] == "" && r.Err != nil:
			t.Errorf("record %d: %v, want success", i, r.Err)
		case want[i] != "" && (!errors.As(r.Err, &ap) || ap.Code != want[i] || Classify(r.Err) != ClassPermanent):
			t.Errorf("record %d: %v, want a permanent %s", i, r.Err, want[i])
		}
	}
	var ap *APIError
	if errors.As(res[2].Err, &ap) && !slices.Contains(ap.Fields, "Name") {
		t.Errorf("STRING_TOO_LONG fields = %v, want Name", ap.Fields)
	}
	for _, i := range []int{0, 4} {
		if rec, _ := srv.Record("Account", ids[i]); rec["Lifecycle_Tags__c"] != fmt.Sprintf("ok-%d", i) {
			t.Errorf("account %d not written: %v", i, rec["Lifecycle_Tags__c"])
		}
	}
	if got := requests(srv, "collections"); got != 1 {
		t.Errorf("collection requests = %d, want 1", got)
	}
}

// TestFailTriggerSplitIsolates has the org's trigger fail every request
// that contains two of 200 records: the batch is split until those two are
// isolated; the other 198 are written.
func TestFailTriggerSplitIsolates(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 200, Seed: 8})
	logger, logs := newTestLogger()
	c := mustClient(t, srv, func(o *Options) { o.Logger = logger })
	ids := accountIDs(srv)
	bad := []string{ids[17], ids[140]}
	srv.FailTrigger(bad...)
	batch := updates(ids, "split-")
	// A record that fails validation keeps its own error through the split.
	batch[60].Fields["Customer_Health__c"] = "Splendid"
	res, err := c.Update(context.Background(), "Account", batch)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		var ap *APIError
		switch {
		case slices.Contains(bad, batch[i].ID):
			if !errors.As(r.Err, &ap) || ap.Code != codeTriggerFailure || Classify(r.Err) != ClassPermanent {
				t.Errorf("trigger record %d: %v, want a permanent %s", i, r.Err, codeTriggerFailure)
			}
		case i == 60:
			if !errors.As(r.Err, &ap) || ap.Code != "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" {
				t.Errorf("invalid record: %v, want its picklist error", r.Err)
			}
		default:
			if r.Err != nil {
				t.Errorf("record %d: %v, want it written", i, r.Err)
				continue
			}
			if rec, _ := srv.Record("Account", batch[i].ID); rec["Lifecycle_Tags__c"] != batch[i].Fields["Lifecycle_Tags__c"] {
				t.Errorf("record %d reported written but holds %v", i, rec["Lifecycle_Tags__c"])
			}
		}
	}
	// 1 + 2 per level down to each of two single records: at most
	// 1 + 2*8*2 requests, within the split budget (4*8 = 32 more).
	if got := requests(srv, "collections"); got < 3 || got > 33 {
		t.Errorf("collection requests = %d, want 3..33", got)
	}
	if got := srv.Stats().RecordWrites; got != 197 {
		t.Errorf("records written = %d, want 197", got)
	}
	if !strings.Contains(logs.String(), "splitting") {
		t.Errorf("no log line about the split:\n%s", logs)
	}
}

// TestFailTriggerEverywhereIsBounded fails every record's trigger: the split
// stops after its budget and leaves the records retry-later, not rejected.
func TestFailTriggerEverywhereIsBounded(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 200, Seed: 9})
	c := mustClient(t, srv, nil)
	ids := accountIDs(srv)
	srv.FailTrigger(ids...)
	res, err := c.Update(context.Background(), "Account", updates(ids, "x"))
	if err != nil {
		t.Fatal(err)
	}
	if got := requests(srv, "collections"); got != 33 {
		t.Errorf("collection requests = %d, want 33 (1 + a budget of 32)", got)
	}
	later, permanent := 0, 0
	for _, r := range res {
		switch Classify(r.Err) {
		case ClassRetryLater:
			later++
		case ClassPermanent:
			permanent++
		default:
			t.Fatalf("result %v: class %v", r, Classify(r.Err))
		}
	}
	if later == 0 || later+permanent != 200 {
		t.Errorf("retry later %d, permanent %d; want most retry later and 200 in all", later, permanent)
	}
	if got := srv.Stats().RecordWrites; got != 0 {
		t.Errorf("records written = %d, want 0", got)
	}
}

// TestLockRowIsRetryLater makes every record fail UNABLE_TO_LOCK_ROW.
func TestLockRowIsRetryLater(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 4, Seed: 10, Faults: sftest.Faults{LockRow: 1}})
	c := mustClient(t, srv, nil)
	res, err := c.Update(context.Background(), "Account", updates(accountIDs(srv), "lock-"))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		var ap *APIError
		if !errors.As(r.Err, &ap) || ap.Code != codeLockRow || Classify(r.Err) != ClassRetryLater {
			t.Errorf("record %d: %v, want ClassRetryLater UNABLE_TO_LOCK_ROW", i, r.Err)
		}
	}
	if got := requests(srv, "collections"); got != 1 {
		t.Errorf("collection requests = %d, want 1 (lock errors are not split or retried now)", got)
	}
}

// TestUpdateLimitExceeded checks that a write over the daily API limit is a
// whole-call ClassLimit error and nothing is written.
func TestUpdateLimitExceeded(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 2, Seed: 11, APILimit: 10})
	c := mustClient(t, srv, nil)
	srv.SetAPIUsage(10)
	res, err := c.Update(context.Background(), "Account", updates(accountIDs(srv), "limit-"))
	var ap *APIError
	if res != nil || Classify(err) != ClassLimit || !errors.As(err, &ap) || ap.Code != codeLimitExceeded {
		t.Fatalf("update over the limit = %v, %v; want a ClassLimit REQUEST_LIMIT_EXCEEDED", res, err)
	}
	if got := srv.Stats().Writes; got != 0 {
		t.Errorf("writes = %d, want 0", got)
	}
}
