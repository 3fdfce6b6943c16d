package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/internal/store"
)

func TestPlaysOutbox(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	risk, onb := "Renewal-High Risk", "90 Day OnBoard-Poor"
	tag := "Core-Good"
	at := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	MustApply(t, db, store.Change{Account: store.Account{ID: "001A"}, History: []store.HistoryEntry{
		{AccountID: "001A", Kind: "change", From: &onb, To: &risk, At: at, AsOf: "2024-05-01"},
		{AccountID: "001A", Kind: "drift", From: &onb, To: &risk, At: at, AsOf: "2024-05-01"},
		{AccountID: "001A", Kind: "tag_added", To: &tag, At: at, AsOf: "2024-05-01"},
	}})
	last, err := db.LastHistoryID(ctx)
	if err != nil || last != 3 {
		t.Fatalf("LastHistoryID = %d, %v", last, err)
	}
	trs, err := db.PlayTransitions(ctx, 0, 10)
	if err != nil || len(trs) != 2 || trs[0].Kind != "change" || *trs[0].To != risk || trs[1].Kind != "tag_added" || trs[1].ID != 3 {
		t.Fatalf("Transitions = %+v, %v", trs, err)
	}
	act := store.PlayAction{Key: "k1", Play: "renewal", Action: "task", HistoryID: 1, AccountID: "001A",
		Transition: "enters " + risk, Payload: []byte(`{"Subject":"x"}`)}
	if err := db.EnqueuePlays(ctx, []store.PlayAction{act}, map[string]int64{"renewal": 3}); err != nil {
		t.Fatal(err)
	}
	// Enqueuing the same key again changes nothing.
	act.Payload = []byte(`{"Subject":"other"}`)
	if err := db.EnqueuePlays(ctx, []store.PlayAction{act}, nil); err != nil {
		t.Fatal(err)
	}
	cur, err := db.PlayCursors(ctx)
	if err != nil || cur["renewal"] != 3 {
		t.Fatalf("PlayCursors = %v, %v", cur, err)
	}
	pend, err := db.PendingPlays(ctx, "task", time.Now(), 10)
	if err != nil || len(pend) != 1 || string(pend[0].Payload) != `{"Subject":"x"}` || pend[0].State != store.PlayPending {
		t.Fatalf("PendingPlays = %+v, %v", pend, err)
	}
	if n, _ := db.CountPendingPlays(ctx); n["task"] != 1 {
		t.Fatalf("CountPendingPlays = %v", n)
	}
	if err := db.RecordPlays(ctx, []store.PlayOutcome{{Key: "k1", State: store.PlayRejected, Code: "INACTIVE_OWNER_OR_USER", Message: "m"}}); err != nil {
		t.Fatal(err)
	}
	if pend, _ := db.PendingPlays(ctx, "task", time.Now(), 10); len(pend) != 0 {
		t.Fatalf("pending after rejection: %+v", pend)
	}
	got, err := db.AccountPlays(ctx, "001A")
	if err != nil || len(got) != 1 || got[0].Code != "INACTIVE_OWNER_OR_USER" || got[0].Attempts != 1 {
		t.Fatalf("AccountPlays = %+v, %v", got, err)
	}
	if n, _ := db.CountPlays(ctx); n[store.PlayRejected] != 1 {
		t.Fatalf("CountPlays = %v", n)
	}
	if recent, _ := db.RecentPlays(ctx, 5); len(recent) != 1 {
		t.Fatalf("RecentPlays = %+v", recent)
	}
}
