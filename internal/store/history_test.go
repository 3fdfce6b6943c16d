package store_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/lifecycled/lifecycled/internal/store"
)

func TestHistory(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	want := []store.HistoryEntry{
		{AccountID: "001A", Kind: "change", From: nil, To: ptr("Onboarding"), At: ts(0), AsOf: "2024-03-01",
			Inputs: json.RawMessage(`{"CreatedDate":"2024-02-01"}`)},
		{AccountID: "001A", Kind: "drift", From: ptr("Onboarding"), To: ptr(""), At: ts(5), AsOf: "2024-03-01"},
		{AccountID: "001A", Kind: "cleared", From: ptr(""), To: nil, At: ts(5), AsOf: "2024-03-02",
			Inputs: json.RawMessage{}},
	}
	// Recorded out of time order across two applies: History sorts by At,
	// then by recording order.
	MustApply(t, db, store.Change{Account: store.Account{ID: "001A"}, History: want[1:]})
	MustApply(t, db, store.Change{Account: store.Account{ID: "001A"}, History: want[:1]},
		store.Change{Account: store.Account{ID: "001B"}, History: []store.HistoryEntry{{Kind: "change", At: ts(1)}}})

	got, err := db.History(ctx, "001A")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("history = %+v", got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.At.Equal(w.At) {
			t.Errorf("entry %d at %v, want %v", i, g.At, w.At)
		}
		if !sameStr(g.From, w.From) || !sameStr(g.To, w.To) {
			t.Errorf("entry %d: %s -> %s, want %s -> %s", i, str(g.From), str(g.To), str(w.From), str(w.To))
		}
		if (g.Inputs == nil) != (w.Inputs == nil) || string(g.Inputs) != string(w.Inputs) {
			t.Errorf("entry %d inputs = %q, want %q", i, g.Inputs, w.Inputs)
		}
		g.At = w.At
		g.From, w.From, g.To, w.To, g.Inputs, w.Inputs = nil, nil, nil, nil, nil, nil
		if !reflect.DeepEqual(g, w) {
			t.Errorf("entry %d = %+v, want %+v", i, g, w)
		}
	}
	recent, err := db.RecentHistory(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(recent) != 2 || recent[0].AccountID != "001B" || recent[1].Kind != "change" {
		t.Fatalf("recent history = %+v, want the last recorded first", recent)
	}
}

func TestSnapshots(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	for _, s := range []store.Snapshot{
		{Day: "2024-03-02", Counts: map[string]int{"Onboarding": 3}},
		{Day: "2024-03-01", Counts: map[string]int{"Onboarding": 1, "": 4}},
		{Day: "2024-03-03", Counts: map[string]int{}},
		{Day: "2024-03-02", Counts: map[string]int{"Onboarding": 2, "Renewal": 1}}, // replaces
	} {
		if err := db.SaveSnapshot(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	all, err := db.Snapshots(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Snapshot{
		{Day: "2024-03-01", Counts: map[string]int{"Onboarding": 1, "": 4}},
		{Day: "2024-03-02", Counts: map[string]int{"Onboarding": 2, "Renewal": 1}},
		{Day: "2024-03-03", Counts: map[string]int{}},
	}
	if !reflect.DeepEqual(all, want) {
		t.Fatalf("snapshots = %+v, want %+v", all, want)
	}
	since, err := db.Snapshots(ctx, "2024-03-02")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(since, want[1:]) {
		t.Fatalf("snapshots since 2024-03-02 = %+v", since)
	}
	if err := db.SaveSnapshot(ctx, store.Snapshot{Day: "03/01/2024"}); err == nil {
		t.Fatal("saved a snapshot with a malformed day")
	}
	if _, err := db.Snapshots(ctx, "yesterday"); err == nil {
		t.Fatal("snapshots since a malformed day succeeded")
	}
}

func TestMeta(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	if v, err := db.Meta(ctx, "watermark"); err != nil || v != "" {
		t.Fatalf("unset meta = %q, %v", v, err)
	}
	for _, v := range []string{"a", "b", ""} {
		if err := db.SetMeta(ctx, "watermark", v); err != nil {
			t.Fatal(err)
		}
		if got, err := db.Meta(ctx, "watermark"); err != nil || got != v {
			t.Fatalf("meta = %q, %v; want %q", got, err, v)
		}
	}
	if tok, err := db.RefreshToken(ctx); err != nil || tok != "" {
		t.Fatalf("unset refresh token = %q, %v", tok, err)
	}
	if err := db.SaveRefreshToken(ctx, "5Aep861-rotated"); err != nil {
		t.Fatal(err)
	}
	if tok, err := db.RefreshToken(ctx); err != nil || tok != "5Aep861-rotated" {
		t.Fatalf("refresh token = %q, %v", tok, err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}
