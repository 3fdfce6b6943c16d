package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/internal/report"
	"github.com/lifecycled/lifecycled/internal/server"
	"github.com/lifecycled/lifecycled/internal/store"
)

// TestDashboardShowsPlayRejections: a success play's action that failed
// for good is on the dashboard, as report's figures list it.
func TestDashboardShowsPlayRejections(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: start}
	db := mustStore(t, clk)
	acts := []store.PlayAction{
		{Key: "k1", Play: "renewal-risk-call", Action: "task", HistoryID: 1, AccountID: "001A", Transition: "enters Renewal-High Risk", Payload: json.RawMessage(`{}`)},
		{Key: "k2", Play: "renewal-risk-call", Action: "task", HistoryID: 2, AccountID: "001B", Transition: "enters Renewal-High Risk", Payload: json.RawMessage(`{}`)},
	}
	if err := db.EnqueuePlays(ctx, acts, map[string]int64{"renewal-risk-call": 2}); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordPlays(ctx, []store.PlayOutcome{
		{Key: "k1", State: store.PlayRejected, Code: "INACTIVE_OWNER_OR_USER", Message: "operation performed with inactive user"},
		{Key: "k2", State: store.PlaySent, Result: "00T000000000001AAA"},
	}); err != nil {
		t.Fatal(err)
	}
	f, err := report.Build(ctx, db, report.Options{Now: clk.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.PlayRejections) != 1 || f.PlayRejections[0].AccountID != "001A" || f.Plays[store.PlayRejected] != 1 || f.Plays[store.PlaySent] != 1 {
		t.Fatalf("report: plays %v, rejections %+v", f.Plays, f.PlayRejections)
	}
	_, base := mustServe(t, server.Options{Store: db, Now: clk.Now, Interval: 5 * time.Minute, StatusValues: report.DefaultStatuses()})
	code, doc, _ := get(t, base+"/")
	if code != http.StatusOK {
		t.Fatalf("GET / = %d", code)
	}
	secs := elements(doc, "section", "data-rejected")
	if len(secs) != 1 || secs[0]["data-rejected"] != "1" {
		t.Fatalf("plays section %v, want data-rejected 1", secs)
	}
	rows := elements(doc, "tr", "data-play")
	if len(rows) != 1 || rows[0]["data-account"] != "001A" || rows[0]["data-code"] != "INACTIVE_OWNER_OR_USER" {
		t.Fatalf("play rejection rows %v", rows)
	}
}
