package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/internal/report"
	"github.com/lifecycled/lifecycled/internal/server"
	"github.com/lifecycled/lifecycled/internal/store"
)

var (
	tagRE  = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9]*)(\s[^>]*)?>`)
	attrRE = regexp.MustCompile(`([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*"([^"]*)")?`)
)

// elements returns the attributes of every start tag named tag in doc that
// has the attribute must (any tag when tag is "").
func elements(doc, tag, must string) []map[string]string {
	var out []map[string]string
	for _, m := range tagRE.FindAllStringSubmatch(doc, -1) {
		if tag != "" && !strings.EqualFold(m[1], tag) {
			continue
		}
		attrs := map[string]string{"": strings.ToLower(m[1])}
		for _, a := range attrRE.FindAllStringSubmatch(m[2], -1) {
			attrs[strings.ToLower(a[1])] = html.UnescapeString(a[2])
		}
		if _, ok := attrs[must]; must == "" || ok {
			out = append(out, attrs)
		}
	}
	return out
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return n
}

// fillStore puts accounts over every default status, a custom one and none,
// snapshots every other day for 120 days, runs, rejections and pending
// writes into db, all through the store's API.
func fillStore(t *testing.T, db *store.DB, now time.Time) {
	t.Helper()
	ctx := context.Background()
	statuses := append(report.DefaultStatuses(), "Win-Back (custom)", "")
	var changes []store.Change
	for i := range 700 {
		st := statuses[(i*5+i/17)%len(statuses)]
		rec := map[string]any{"Id": fmt.Sprintf("001x%05d", i), "Name": fmt.Sprintf("Acme <%d> & Co", i)}
		switch i % 4 {
		case 0:
			rec["AnnualRevenue"] = nil
		case 1:
			rec["AnnualRevenue"] = float64(25000 + 113*i)
		default:
			rec["AnnualRevenue"] = 1234.5 + float64(i)
		}
		raw, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		a := store.Account{ID: rec["Id"].(string), Record: raw, Modstamp: now, AsOf: now.Format(time.DateOnly)}
		if st != "" {
			a.DesiredStatus = &st
		}
		c := store.Change{Account: a}
		if i%40 == 3 {
			c.Outbox = &store.OutboxEntry{WriteStatus: true, Status: a.DesiredStatus, BasedOn: now, NextAttempt: now, Created: now}
		}
		changes = append(changes, c)
	}
	if err := db.Apply(ctx, changes); err != nil {
		t.Fatalf("apply: %v", err)
	}
	for d := 0; d < 120; d += 2 {
		s := store.Snapshot{Day: now.AddDate(0, 0, -d).Format(time.DateOnly), Counts: map[string]int{}}
		for i, st := range statuses[:len(statuses)-1] {
			if n := (d*3 + i*7) % 23; n != 0 {
				s.Counts[st] = n
			}
		}
		if err := db.SaveSnapshot(ctx, s); err != nil {
			t.Fatalf("snapshot: %v", err)
		}
	}
	for i, outcome := range []string{"ok", "failed", "ok", "partial"} {
		mustRun(t, db, now.Add(time.Duration(i-4)*time.Minute), 20*time.Second, outcome)
	}
	var rej []store.Rejection
	for i := range 6 {
		rej = append(rej, store.Rejection{AccountID: fmt.Sprintf("001x%05d", 10+i*7), Field: "Account_Lifecycle_Status__c",
			Code: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", Message: "bad value for restricted picklist field: <x>"})
	}
	if err := db.RejectWrites(ctx, rej); err != nil {
		t.Fatalf("reject: %v", err)
	}
}

func TestDashboard(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2025, 5, 20, 15, 0, 0, 0, time.UTC)
	clk := &clock{t: now}
	db := mustStore(t, clk)
	fillStore(t, db, now)
	_, base := mustServe(t, server.Options{Store: db, Now: clk.Now, Interval: 5 * time.Minute,
		StatusValues: report.DefaultStatuses(), RevenueField: "AnnualRevenue"})

	code, doc, h := get(t, base+"/")
	if code != http.StatusOK {
		t.Fatalf("GET / = %d\n%s", code, doc)
	}
	if ct := h.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("content type = %q", ct)
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("content security policy = %q, want default-src 'none'", csp)
	}

	t.Run("NoExternalAssets", func(t *testing.T) {
		for _, s := range []string{"<script", "src=", "http://", "https://", "url(", "<link", "@import"} {
			if strings.Contains(doc, s) {
				t.Errorf("page contains %q", s)
			}
		}
	})

	t.Run("StatusCounts", func(t *testing.T) {
		counts, err := db.StatusCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rows := elements(doc, "tr", "data-status")
		seen := map[string]bool{}
		paying := 0
		for _, r := range rows {
			st := r["data-status"]
			seen[st] = true
			if got := atoi(t, r["data-count"]); got != counts[st] {
				t.Errorf("status row %q = %d, store has %d", st, got, counts[st])
			}
		}
		for st, n := range counts {
			if st == "" {
				continue
			}
			paying += n
			if !seen[st] {
				t.Errorf("status %q (%d accounts) has no row", st, n)
			}
		}
		if !seen["Win-Back (custom)"] {
			t.Error("the custom status has no row")
		}
		// The bar chart carries the same figures.
		bars := 0
		for _, g := range elements(doc, "g", "data-status") {
			bars++
			if got := atoi(t, g["data-count"]); got != counts[g["data-status"]] {
				t.Errorf("bar %q = %d, store has %d", g["data-status"], got, counts[g["data-status"]])
			}
		}
		if bars < len(rows) {
			t.Errorf("%d bars for %d status rows", bars, len(rows))
		}
		for _, d := range elements(doc, "div", "data-figure") {
			switch d["data-figure"] {
			case "paying":
				if atoi(t, d["data-value"]) != paying {
					t.Errorf("paying = %s, want %d", d["data-value"], paying)
				}
			case "no-status":
				if atoi(t, d["data-value"]) != counts[""] {
					t.Errorf("no status = %s, want %d", d["data-value"], counts[""])
				}
			}
		}

		// The three questions.
		for _, r := range elements(doc, "tr", "data-checkpoint") {
			day := r["data-checkpoint"]
			if g, p := atoi(t, r["data-good"]), atoi(t, r["data-poor"]); g != counts[day+" Day OnBoard-Good"] || p != counts[day+" Day OnBoard-Poor"] {
				t.Errorf("onboarding %s = %d good %d poor, store has %d, %d", day, g, p,
					counts[day+" Day OnBoard-Good"], counts[day+" Day OnBoard-Poor"])
			}
		}
		for _, r := range elements(doc, "tr", "data-tier") {
			if got := atoi(t, r["data-count"]); got != counts["Core-"+r["data-tier"]] {
				t.Errorf("core %s = %d, store has %d", r["data-tier"], got, counts["Core-"+r["data-tier"]])
			}
		}
	})

	t.Run("RenewalRevenue", func(t *testing.T) {
		// Summed here from the stored records, independently of the store's SQL.
		sums := map[string]float64{}
		err := db.ForEachAccount(ctx, func(a store.Account) error {
			var rec map[string]any
			if err := json.Unmarshal(a.Record, &rec); err != nil {
				return err
			}
			if v, ok := rec["AnnualRevenue"].(float64); ok && a.DesiredStatus != nil {
				sums[*a.DesiredStatus] += v
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		rows := elements(doc, "tr", "data-risk")
		if len(rows) != 3 {
			t.Fatalf("%d renewal rows, want 3", len(rows))
		}
		for _, r := range rows {
			want := fmt.Sprintf("%.2f", sums["Renewal-"+r["data-risk"]])
			if r["data-revenue"] != want {
				t.Errorf("renewal %s revenue = %s, want %s", r["data-risk"], r["data-revenue"], want)
			}
		}
	})

	t.Run("HistoryChart", func(t *testing.T) {
		since := now.AddDate(0, 0, -89).Format(time.DateOnly)
		sec := elements(doc, "section", "data-since")
		if len(sec) != 1 || sec[0]["data-since"] != since {
			t.Fatalf("history section = %v, want since %s", sec, since)
		}
		snaps, err := db.Snapshots(ctx, since)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{} // day|status -> count
		for _, s := range snaps {
			for st, n := range s.Counts {
				want[s.Day+"|"+st] = n
			}
		}
		got := map[string]int{}
		heights := map[string]float64{}
		for _, r := range elements(doc, "rect", "data-day") {
			k := r["data-day"] + "|" + r["data-status"]
			got[k] = atoi(t, r["data-count"])
			hgt, err := strconv.ParseFloat(r["height"], 64)
			if err != nil {
				t.Fatalf("rect %s height %q", k, r["height"])
			}
			heights[r["data-day"]] += hgt
		}
		if len(got) != len(want) {
			t.Errorf("chart has %d day-status segments, store has %d", len(got), len(want))
		}
		for k, n := range want {
			if got[k] != n {
				t.Errorf("chart %s = %d, store has %d", k, got[k], n)
			}
		}
		if len(heights) != len(snaps) {
			t.Errorf("chart has %d days, store has %d snapshots since %s", len(heights), len(snaps), since)
		}
		for day, hsum := range heights {
			if math.Abs(hsum-260) > 0.1 {
				t.Errorf("day %s: segments add up to %v px, want the full 260", day, hsum)
			}
		}
		if rows := elements(doc, "tr", "data-day"); len(rows) != len(snaps) {
			t.Errorf("history table has %d rows, want %d", len(rows), len(snaps))
		}
	})

	t.Run("Operations", func(t *testing.T) {
		runs, err := db.Runs(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		rows := elements(doc, "tr", "data-run")
		if len(rows) != len(runs) {
			t.Fatalf("%d run rows, store has %d runs", len(rows), len(runs))
		}
		for i, r := range rows {
			if id := strconv.FormatInt(runs[i].ID, 10); r["data-run"] != id || r["data-outcome"] != runs[i].Outcome {
				t.Errorf("run row %d = %s %s, want %s %s", i, r["data-run"], r["data-outcome"], id, runs[i].Outcome)
			}
		}
		rej, err := db.Rejections(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		depth, err := db.OutboxDepth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range elements(doc, "section", "data-count") {
			switch s["id"] {
			case "rejections":
				if atoi(t, s["data-count"]) != len(rej) {
					t.Errorf("rejections = %s, store has %d", s["data-count"], len(rej))
				}
			case "pending":
				if atoi(t, s["data-count"]) != depth || depth == 0 {
					t.Errorf("pending = %s, store has %d", s["data-count"], depth)
				}
			}
		}
		if got := len(elements(doc, "tr", "data-code")); got != len(rej) {
			t.Errorf("%d rejection rows, want %d", got, len(rej))
		}
		// Text from the store is escaped, never markup.
		if strings.Contains(doc, "field: <x>") || !strings.Contains(doc, "field: &lt;x&gt;") {
			t.Error("a rejection message is not HTML-escaped")
		}
		badge := elements(doc, "span", "data-ready")
		if len(badge) != 1 || badge[0]["data-ready"] != "true" {
			t.Errorf("readiness badge = %v, want ready", badge)
		}
	})
}

func TestDashboardEmptyStore(t *testing.T) {
	clk := &clock{t: start}
	db := mustStore(t, clk)
	_, base := mustServe(t, server.Options{Store: db, Now: clk.Now, Interval: time.Minute})
	code, doc, _ := get(t, base+"/")
	if code != http.StatusOK {
		t.Fatalf("GET / = %d", code)
	}
	for _, s := range []string{"No run yet.", "No daily snapshot yet", `data-ready="false"`} {
		if !strings.Contains(doc, s) {
			t.Errorf("empty dashboard lacks %q", s)
		}
	}
	// Rows for every default status, all zero.
	rows := elements(doc, "tr", "data-status")
	if len(rows) != len(report.DefaultStatuses()) {
		t.Errorf("%d status rows, want %d", len(rows), len(report.DefaultStatuses()))
	}
	for _, r := range rows {
		if r["data-count"] != "0" {
			t.Errorf("status %q = %s, want 0", r["data-status"], r["data-count"])
		}
	}

	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if code, body, _ := get(t, base+"/"); code != http.StatusInternalServerError || strings.Contains(body, "<html") {
		t.Errorf("GET / with the store closed = %d %q, want a plain 500", code, body)
	}
}
