package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/internal/store"
)

// checkAccount fails unless got equals want exactly: nil and "" apart,
// nil and empty slices apart, times as the same instant in UTC.
func checkAccount(t *testing.T, got, want store.Account) {
	t.Helper()
	if got.ID != want.ID || got.AsOf != want.AsOf || got.RulesVersion != want.RulesVersion || got.SeenPull != want.SeenPull {
		t.Errorf("account = %+v, want %+v", got, want)
	}
	if (got.Record == nil) != (want.Record == nil) || string(got.Record) != string(want.Record) {
		t.Errorf("%s: record = %q (nil %v), want %q (nil %v)", want.ID, got.Record, got.Record == nil, want.Record, want.Record == nil)
	}
	if !got.Modstamp.Equal(want.Modstamp) || got.Modstamp.Location() != time.UTC && !got.Modstamp.IsZero() {
		t.Errorf("%s: modstamp = %v, want %v in UTC", want.ID, got.Modstamp, want.Modstamp)
	}
	for _, f := range []struct {
		name      string
		got, want *string
	}{
		{"crm tags", got.CRMTags, want.CRMTags},
		{"crm status", got.CRMStatus, want.CRMStatus},
		{"desired tags", got.DesiredTags, want.DesiredTags},
		{"desired status", got.DesiredStatus, want.DesiredStatus},
	} {
		if !sameStr(f.got, f.want) {
			t.Errorf("%s: %s = %s, want %s", want.ID, f.name, str(f.got), str(f.want))
		}
	}
	if !reflect.DeepEqual(got.ManagedTags, want.ManagedTags) { // nil and empty apart
		t.Errorf("%s: managed tags = %#v, want %#v", want.ID, got.ManagedTags, want.ManagedTags)
	}
}

func TestApply(t *testing.T) {
	ctx := context.Background()

	t.Run("RoundTripsAccounts", func(t *testing.T) {
		db := MustOpen(t)
		want := []store.Account{
			{
				ID: "001A", Record: json.RawMessage(`{"Id":"001A","Name":"Acme","AnnualRevenue":12.5,"Active__c":true,"Notes":null}`),
				Modstamp: ts(1), CRMTags: ptr("a;b"), CRMStatus: ptr("Onboarding"),
				DesiredTags: ptr("a;b;c"), DesiredStatus: ptr("Adopting"), ManagedTags: []string{"a", "b", "c"},
				AsOf: "2024-03-01", RulesVersion: "r1", SeenPull: 7,
			},
			// Set-but-empty values, an empty tag list and an empty record.
			{ID: "001B", Record: json.RawMessage{}, Modstamp: ts(2), CRMTags: ptr(""), CRMStatus: ptr(""),
				DesiredTags: ptr(""), DesiredStatus: ptr(""), ManagedTags: []string{}},
			// Nothing set at all.
			{ID: "001C"},
		}
		var changes []store.Change
		for _, a := range want {
			changes = append(changes, store.Change{Account: a})
		}
		MustApply(t, db, changes...)
		for _, w := range want {
			got, err := db.Account(ctx, w.ID)
			if err != nil {
				t.Fatal(err)
			}
			checkAccount(t, got, w)
		}
		byID, err := db.Accounts(ctx, []string{"001C", "001A", "nope", "001B"})
		if err != nil {
			t.Fatal(err)
		}
		if len(byID) != 3 {
			t.Fatalf("Accounts returned %d, want 3", len(byID))
		}
		for _, w := range want {
			checkAccount(t, byID[w.ID], w)
		}
		if _, err := db.Account(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown account: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("UpsertReplacesWholeAccountAndKeepsOutbox", func(t *testing.T) {
		db := MustOpen(t)
		MustApply(t, db, store.Change{
			Account: store.Account{ID: "001A", CRMStatus: ptr("x"), DesiredStatus: ptr("y"), ManagedTags: []string{"t"}, SeenPull: 1},
			Outbox:  &store.OutboxEntry{Status: ptr("y"), WriteStatus: true, NextAttempt: ts(0)},
		})
		second := store.Account{ID: "001A", Record: json.RawMessage(`{}`), SeenPull: 2}
		MustApply(t, db, store.Change{Account: second})
		got, err := db.Account(ctx, "001A")
		if err != nil {
			t.Fatal(err)
		}
		checkAccount(t, got, second)
		if n, err := db.OutboxDepth(ctx); err != nil || n != 1 {
			t.Fatalf("outbox depth after upsert = %d, %v; want 1", n, err)
		}
	})

	t.Run("AllOrNothing", func(t *testing.T) {
		db := MustOpen(t)
		err := db.Apply(ctx, []store.Change{
			{Account: store.Account{ID: "001A"}},
			{Account: store.Account{ID: ""}},
		})
		if err == nil {
			t.Fatal("apply with an empty id succeeded")
		}
		err = db.Apply(ctx, []store.Change{
			{Account: store.Account{ID: "001B"}},
			{Account: store.Account{ID: "001C"}, Outbox: &store.OutboxEntry{AccountID: "001B"}},
		})
		if err == nil {
			t.Fatal("apply with an outbox entry for another account succeeded")
		}
		err = db.Apply(ctx, []store.Change{
			{Account: store.Account{ID: "001D"}, History: []store.HistoryEntry{{At: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}}},
		})
		if err == nil {
			t.Fatal("apply with a time past 2262 succeeded")
		}
		if n, err := db.CountAccounts(ctx); err != nil || n != 0 {
			t.Fatalf("accounts after failed applies = %d, %v; want 0", n, err)
		}
	})

	t.Run("HistoryTakesTheAccountID", func(t *testing.T) {
		db := MustOpen(t)
		MustApply(t, db, store.Change{
			Account: store.Account{ID: "001A"},
			History: []store.HistoryEntry{{Kind: "change", To: ptr("Onboarding"), At: ts(0)}},
		})
		h, err := db.History(ctx, "001A")
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 1 || h[0].AccountID != "001A" {
			t.Fatalf("history = %+v", h)
		}
	})
}

func TestForEachAccount(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	const n = 10_000
	changes := make([]store.Change, 0, 2000)
	for i := range n {
		changes = append(changes, store.Change{Account: store.Account{
			// Inserted out of order; ForEachAccount returns them by ID.
			ID:     fmt.Sprintf("001%07d", (i*7919)%n),
			Record: json.RawMessage(`{"n":1}`),
		}})
		if len(changes) == cap(changes) {
			MustApply(t, db, changes...)
			changes = changes[:0]
		}
	}

	seen, prev := 0, ""
	err := db.ForEachAccount(ctx, func(a store.Account) error {
		if a.ID <= prev {
			return fmt.Errorf("account %s after %s", a.ID, prev)
		}
		prev = a.ID
		seen++
		// fn may read and write the DB.
		b, err := db.Account(ctx, a.ID)
		if err != nil {
			return err
		}
		b.DesiredStatus = ptr("seen")
		b.Record = json.RawMessage(`{"n":2}`)
		return db.Apply(ctx, []store.Change{{Account: b}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != n {
		t.Fatalf("visited %d accounts, want %d", seen, n)
	}
	counts, err := db.StatusCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts["seen"] != n || len(counts) != 1 {
		t.Fatalf("status counts = %v, want every account seen", counts)
	}

	stop := errors.New("stop")
	calls := 0
	err = db.ForEachAccount(ctx, func(store.Account) error {
		calls++
		if calls == 1500 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 1500 {
		t.Fatalf("stopping walk: err = %v after %d calls, want stop after 1500", err, calls)
	}

	cctx, cancel := context.WithCancel(ctx)
	calls = 0
	err = db.ForEachAccount(cctx, func(store.Account) error {
		calls++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || calls != 1000 {
		t.Fatalf("cancelled walk: err = %v after %d calls, want canceled after the first chunk", err, calls)
	}
}

func TestCounts(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	MustApply(t, db,
		store.Change{Account: store.Account{ID: "1", DesiredStatus: ptr("Onboarding"), ManagedTags: []string{"new", "core"}}},
		store.Change{Account: store.Account{ID: "2", DesiredStatus: ptr("Onboarding"), ManagedTags: []string{"core"}}},
		store.Change{Account: store.Account{ID: "3", DesiredStatus: ptr("Renewal")}},
		store.Change{Account: store.Account{ID: "4", DesiredStatus: ptr(""), ManagedTags: []string{}}},
		store.Change{Account: store.Account{ID: "5"}},
	)
	if n, err := db.CountAccounts(ctx); err != nil || n != 5 {
		t.Fatalf("count = %d, %v; want 5", n, err)
	}
	st, err := db.StatusCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"Onboarding": 2, "Renewal": 1, "": 2}; !reflect.DeepEqual(st, want) {
		t.Fatalf("status counts = %v, want %v", st, want)
	}
	tags, err := db.TagCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"core": 2, "new": 1}; !reflect.DeepEqual(tags, want) {
		t.Fatalf("tag counts = %v, want %v", tags, want)
	}
}

func TestForget(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	for i, id := range []string{"001A", "001B", "001C"} {
		MustApply(t, db, store.Change{
			Account: store.Account{ID: id, SeenPull: int64(i + 1)},
			Outbox:  &store.OutboxEntry{Status: ptr("s"), WriteStatus: true, NextAttempt: ts(i)},
			History: []store.HistoryEntry{{Kind: "change", To: ptr("s"), At: ts(i)}},
		})
	}
	if err := db.RejectWrites(ctx, []store.Rejection{{AccountID: "001A", Field: "Status__c", Code: "X"}}); err != nil {
		t.Fatal(err)
	}

	gone, err := db.AccountsNotSeen(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(gone) != 2 || gone[0].ID != "001A" || gone[1].ID != "001B" {
		t.Fatalf("not seen by pull 3 = %+v, want 001A and 001B", gone)
	}

	if err := db.Forget(ctx, []string{"001A", "001B", "unknown"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Account(ctx, "001A"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("forgotten account: err = %v, want ErrNotFound", err)
	}
	if n, err := db.CountAccounts(ctx); err != nil || n != 1 {
		t.Fatalf("accounts left = %d, %v; want 1", n, err)
	}
	ob, err := db.Outbox(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ob) != 1 || ob[0].AccountID != "001C" {
		t.Fatalf("outbox after forget = %+v, want only 001C", ob)
	}
	if r, err := db.AccountRejections(ctx, "001A"); err != nil || len(r) != 0 {
		t.Fatalf("rejections of a forgotten account = %+v, %v", r, err)
	}
	h, err := db.History(ctx, "001A")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 1 || !sameStr(h[0].To, ptr("s")) {
		t.Fatalf("history of a forgotten account = %+v, want it kept", h)
	}
}
