package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/internal/store"
)

// ids lists the account ids of entries, for messages and comparisons.
func ids(entries []store.OutboxEntry) string {
	var s []string
	for _, e := range entries {
		s = append(s, e.AccountID)
	}
	return strings.Join(s, ",")
}

func TestOutbox(t *testing.T) {
	ctx := context.Background()

	t.Run("RoundTripAndReplace", func(t *testing.T) {
		db := MustOpen(t)
		want := store.OutboxEntry{
			AccountID: "001A", Tags: nil, Status: ptr(""), WriteTags: true, WriteStatus: false,
			BasedOn: ts(1), Attempts: 2, LastError: "boom", NextAttempt: ts(3), Created: ts(4),
		}
		MustApply(t, db, store.Change{Account: store.Account{ID: "001A"}, Outbox: &want})
		got, err := db.Outbox(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("outbox = %+v", got)
		}
		g := got[0]
		if g.AccountID != want.AccountID || g.Tags != nil || !sameStr(g.Status, ptr("")) || !g.WriteTags || g.WriteStatus ||
			!g.BasedOn.Equal(want.BasedOn) || g.Attempts != 2 || g.LastError != "boom" ||
			!g.NextAttempt.Equal(want.NextAttempt) || !g.Created.Equal(want.Created) {
			t.Fatalf("outbox entry = %+v, want %+v", g, want)
		}

		// Replace as a whole.
		MustApply(t, db, store.Change{Account: store.Account{ID: "001A"},
			Outbox: &store.OutboxEntry{Tags: ptr("x"), WriteTags: true, NextAttempt: ts(5)}})
		got, err = db.Outbox(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || !sameStr(got[0].Tags, ptr("x")) || got[0].Status != nil || got[0].Attempts != 0 ||
			got[0].LastError != "" || !got[0].Created.IsZero() {
			t.Fatalf("replaced entry = %+v", got)
		}

		// Dequeue; Dequeue without an entry is no error.
		MustApply(t, db, store.Change{Account: store.Account{ID: "001A"}, Dequeue: true})
		MustApply(t, db, store.Change{Account: store.Account{ID: "001A"}, Dequeue: true})
		if n, err := db.OutboxDepth(ctx); err != nil || n != 0 {
			t.Fatalf("depth after dequeue = %d, %v; want 0", n, err)
		}
	})

	t.Run("DueOrder", func(t *testing.T) {
		db := MustOpen(t)
		base := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
		entries := map[string]time.Time{
			"001E": base.Add(2 * time.Second),
			"001D": base.Add(time.Second),
			"001C": base.Add(time.Second),
			"001B": {}, // zero: due first
			"001A": base.Add(time.Hour),
		}
		for id, at := range entries {
			MustApply(t, db, store.Change{Account: store.Account{ID: id},
				Outbox: &store.OutboxEntry{Status: ptr("s"), WriteStatus: true, NextAttempt: at}})
		}
		for _, tc := range []struct {
			now   time.Time
			limit int
			want  string
		}{
			{base.Add(2 * time.Second), 0, "001B,001C,001D,001E"},
			{base.Add(2 * time.Second), 3, "001B,001C,001D"},
			{base.Add(time.Second), 0, "001B,001C,001D"},
			{base.Add(time.Second - 1), 0, "001B"},
			{base.Add(time.Hour), 0, "001B,001C,001D,001E,001A"},
		} {
			due, err := db.DueOutbox(ctx, tc.now, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(due); got != tc.want {
				t.Errorf("due at %v limit %d = %s, want %s", tc.now, tc.limit, got, tc.want)
			}
		}
		all, err := db.Outbox(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(all); got != "001B,001C" {
			t.Errorf("outbox limit 2 = %s", got)
		}
	})

	t.Run("Defer", func(t *testing.T) {
		db := MustOpen(t)
		now := ts(0)
		MustApply(t, db, store.Change{Account: store.Account{ID: "001A"},
			Outbox: &store.OutboxEntry{Status: ptr("s"), WriteStatus: true, NextAttempt: now, Attempts: 1}})
		later := now.Add(time.Minute)
		if err := db.DeferWrites(ctx, []store.Deferred{
			{AccountID: "001A", Error: "UNABLE_TO_LOCK_ROW", NextAttempt: later},
			{AccountID: "gone", Error: "x", NextAttempt: later},
		}); err != nil {
			t.Fatal(err)
		}
		if due, err := db.DueOutbox(ctx, now, 0); err != nil || len(due) != 0 {
			t.Fatalf("due before the next attempt = %+v, %v", due, err)
		}
		due, err := db.DueOutbox(ctx, later, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(due) != 1 || due[0].Attempts != 2 || due[0].LastError != "UNABLE_TO_LOCK_ROW" || !due[0].NextAttempt.Equal(later) {
			t.Fatalf("deferred entry = %+v", due)
		}
		if n, err := db.OutboxDepth(ctx); err != nil || n != 1 {
			t.Fatalf("depth = %d, %v; want 1 (unknown id ignored)", n, err)
		}
	})

	t.Run("Complete", func(t *testing.T) {
		db := MustOpen(t)
		MustApply(t, db,
			store.Change{Account: store.Account{ID: "001A", CRMTags: ptr("old"), CRMStatus: ptr("Old")},
				Outbox: &store.OutboxEntry{Tags: nil, Status: ptr("New"), WriteTags: false, WriteStatus: true}},
			store.Change{Account: store.Account{ID: "001B", CRMTags: ptr("old"), CRMStatus: ptr("Old")},
				Outbox: &store.OutboxEntry{Tags: nil, WriteTags: true}},
			store.Change{Account: store.Account{ID: "001C", CRMStatus: ptr("Old")},
				Outbox: &store.OutboxEntry{Status: ptr("Newer"), WriteStatus: true}},
		)
		if err := db.RejectWrites(ctx, []store.Rejection{{AccountID: "001A", Field: "Tags__c", Code: "STRING_TOO_LONG"}}); err != nil {
			t.Fatal(err)
		}
		// RejectWrites dropped 001A's entry; queue it again as the engine would.
		MustApply(t, db, store.Change{Account: store.Account{ID: "001A", CRMTags: ptr("old"), CRMStatus: ptr("Old")},
			Outbox: &store.OutboxEntry{Tags: nil, Status: ptr("New"), WriteTags: false, WriteStatus: true}})

		err := db.CompleteWrites(ctx, []store.Written{
			{AccountID: "001A", Status: ptr("New"), WroteStatus: true},
			{AccountID: "001B", Tags: nil, WroteTags: true},
			// 001C's entry was replaced ("Newer") after "Stale" was read and written.
			{AccountID: "001C", Status: ptr("Stale"), WroteStatus: true},
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			id                   string
			wantTags, wantStatus *string
		}{
			{"001A", ptr("old"), ptr("New")}, // tags not written: kept
			{"001B", nil, ptr("Old")},        // tags cleared
			{"001C", nil, ptr("Stale")},      // what Salesforce now holds
		} {
			a, err := db.Account(ctx, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if !sameStr(a.CRMTags, tc.wantTags) || !sameStr(a.CRMStatus, tc.wantStatus) {
				t.Errorf("%s: crm = %s/%s, want %s/%s", tc.id, str(a.CRMTags), str(a.CRMStatus), str(tc.wantTags), str(tc.wantStatus))
			}
		}
		left, err := db.Outbox(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if ids(left) != "001C" || !sameStr(left[0].Status, ptr("Newer")) {
			t.Fatalf("outbox after complete = %+v, want only 001C's newer entry", left)
		}
		if r, err := db.AccountRejections(ctx, "001A"); err != nil || len(r) != 0 {
			t.Fatalf("rejections after a successful write = %+v, %v", r, err)
		}
	})
}

func TestRejections(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	now := ts(0)
	db.Now = func() time.Time { return now }
	MustApply(t, db,
		store.Change{Account: store.Account{ID: "001A"}, Outbox: &store.OutboxEntry{Status: ptr("Bad"), WriteStatus: true}},
		store.Change{Account: store.Account{ID: "001B"}, Outbox: &store.OutboxEntry{Status: ptr("Bad"), WriteStatus: true}},
	)
	if err := db.RejectWrites(ctx, []store.Rejection{{
		AccountID: "001A", Field: "Status__c", Code: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
		Message: "bad value for restricted picklist field: Bad", Status: ptr("Bad"),
	}}); err != nil {
		t.Fatal(err)
	}
	if ob, err := db.Outbox(ctx, 0); err != nil || ids(ob) != "001B" {
		t.Fatalf("outbox after reject = %+v, %v; want only 001B", ob, err)
	}

	now = ts(30)
	if err := db.RejectWrites(ctx, []store.Rejection{
		{AccountID: "001B", Field: "Tags__c", Code: "STRING_TOO_LONG", Message: "too long", Tags: ptr("")},
	}); err != nil {
		t.Fatal(err)
	}
	now = ts(50)
	if err := db.RejectWrites(ctx, []store.Rejection{
		{AccountID: "001A", Field: "Status__c", Code: "FIELD_INTEGRITY_EXCEPTION", Message: "again"},
	}); err != nil {
		t.Fatal(err)
	}

	all, err := db.Rejections(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].AccountID != "001A" || all[1].AccountID != "001B" {
		t.Fatalf("rejections = %+v, want 001A (seen last) then 001B", all)
	}
	a := all[0]
	if !a.FirstSeen.Equal(ts(0)) || !a.LastSeen.Equal(ts(50)) {
		t.Errorf("001A seen %v..%v, want first kept at %v and last %v", a.FirstSeen, a.LastSeen, ts(0), ts(50))
	}
	if a.Code != "FIELD_INTEGRITY_EXCEPTION" || a.Message != "again" || a.Status != nil {
		t.Errorf("001A rejection = %+v, want the latest code, message and values", a)
	}
	if b := all[1]; !sameStr(b.Tags, ptr("")) || b.Status != nil || !b.FirstSeen.Equal(ts(30)) {
		t.Errorf("001B rejection = %+v", b)
	}
	if one, err := db.Rejections(ctx, 1); err != nil || len(one) != 1 || one[0].AccountID != "001A" {
		t.Fatalf("rejections limit 1 = %+v, %v", one, err)
	}
	counts, err := db.RejectionCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts["FIELD_INTEGRITY_EXCEPTION"] != 1 || counts["STRING_TOO_LONG"] != 1 || len(counts) != 2 {
		t.Fatalf("rejection counts = %v", counts)
	}
	// A rejection for an account the store does not hold (bad input) is kept.
	if err := db.RejectWrites(ctx, []store.Rejection{{AccountID: "001Z", Code: "INVALID_INPUT"}}); err != nil {
		t.Fatal(err)
	}
	if r, err := db.AccountRejections(ctx, "001Z"); err != nil || len(r) != 1 || r[0].Field != "" {
		t.Fatalf("rejection of an unknown account = %+v, %v", r, err)
	}
}
