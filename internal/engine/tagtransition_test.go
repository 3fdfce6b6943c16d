package engine_test

import (
	"context"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
	"github.com/lifecycled/lifecycled/internal/store"
)

// TestTagTransitionsInHistory: a cycle records one tag_added or tag_removed
// entry per managed tag an account gains or loses, and a new account's
// first evaluation records none.
func TestTagTransitionsInHistory(t *testing.T) {
	h := newHarness(t, 400, sftest.Faults{})
	ctx := context.Background()
	h.cycle()
	first, err := h.db.PlayTransitions(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range first {
		if tr.Kind != "change" {
			t.Fatalf("first cycle recorded %+v, want no tag entries", tr)
		}
	}
	before := managedTags(t, h.db)
	mark, err := h.db.LastHistoryID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(70 * 24 * time.Hour)
	h.cycle()
	after := managedTags(t, h.db)
	want := map[string][]string{}
	for id, now := range after {
		for _, tag := range now {
			if !slices.Contains(before[id], tag) {
				want[id] = append(want[id], "+"+tag)
			}
		}
		for _, tag := range before[id] {
			if !slices.Contains(now, tag) {
				want[id] = append(want[id], "-"+tag)
			}
		}
	}
	trs, err := h.db.PlayTransitions(ctx, mark, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, tr := range trs {
		switch tr.Kind {
		case "tag_added":
			got[tr.AccountID] = append(got[tr.AccountID], "+"+*tr.To)
		case "tag_removed":
			got[tr.AccountID] = append(got[tr.AccountID], "-"+*tr.From)
		}
	}
	if len(want) == 0 {
		t.Fatal("no account gained or lost a tag in 70 days; the test proves nothing")
	}
	for id := range want {
		sort.Strings(want[id])
		sort.Strings(got[id])
		if !slices.Equal(want[id], got[id]) {
			t.Errorf("%s: history %v, want %v", id, got[id], want[id])
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d accounts with tag entries, want %d", len(got), len(want))
	}
}

func managedTags(t *testing.T, db *store.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := db.ForEachAccount(context.Background(), func(a store.Account) error {
		out[a.ID] = a.ManagedTags
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
