package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/internal/report"
	"github.com/lifecycled/lifecycled/internal/store"
)

// fixture is what a test put in the store, to compare the figures with.
type fixture struct {
	counts   map[string]int     // status -> accounts ("" none)
	revenue  map[string]float64 // status -> sum of AnnualRevenue
	valued   map[string]int
	snaps    []store.Snapshot
	outbox   int
	rejected int
}

var now = time.Date(2025, 6, 30, 23, 30, 0, 0, time.UTC)

// mustStore fills a new state file: 500 accounts spread over the default
// statuses, a custom one and none, with revenue on most; 100 daily
// snapshots; three runs; rejections and pending writes.
func mustStore(t *testing.T) (*store.DB, fixture) {
	t.Helper()
	ctx := context.Background()
	db := store.New(filepath.Join(t.TempDir(), "state.db"))
	db.Now = func() time.Time { return now }
	if err := db.Open(); err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	fx := fixture{counts: map[string]int{}, revenue: map[string]float64{}, valued: map[string]int{}}
	statuses := append(report.DefaultStatuses(), "Churned-Custom", "")
	var changes []store.Change
	for i := range 500 {
		st := statuses[(i*7+i/13)%len(statuses)]
		rec := map[string]any{"Name": fmt.Sprint("acct ", i)}
		if i%5 != 0 {
			rec["AnnualRevenue"] = float64(1000 + 37*i)
			fx.revenue[st] += float64(1000 + 37*i)
			fx.valued[st]++
		}
		raw, _ := json.Marshal(rec)
		a := store.Account{ID: fmt.Sprintf("001%05d", i), Record: raw, AsOf: "2025-06-30"}
		if st != "" {
			a.DesiredStatus = &st
		}
		fx.counts[st]++
		c := store.Change{Account: a}
		if i%50 == 0 {
			c.Outbox = &store.OutboxEntry{WriteStatus: true, Status: a.DesiredStatus, NextAttempt: now, Created: now}
			fx.outbox++
		}
		changes = append(changes, c)
	}
	if err := db.Apply(ctx, changes); err != nil {
		t.Fatalf("apply: %v", err)
	}
	// 100 days of snapshots: the report keeps the last 90.
	for d := range 100 {
		day := now.AddDate(0, 0, d-99).Format(time.DateOnly)
		s := store.Snapshot{Day: day, Counts: map[string]int{"": 40}}
		for i, st := range statuses[:len(statuses)-1] {
			if n := (d + i*3) % 11; n > 0 {
				s.Counts[st] = n
			}
		}
		if err := db.SaveSnapshot(ctx, s); err != nil {
			t.Fatalf("save snapshot: %v", err)
		}
		fx.snaps = append(fx.snaps, s)
	}
	for i, outcome := range []string{"ok", "failed", "partial"} {
		r, err := db.StartRun(ctx, "full")
		if err != nil {
			t.Fatalf("start run: %v", err)
		}
		r.Started = now.Add(time.Duration(i-3) * time.Hour)
		r.Ended = r.Started.Add(90 * time.Second)
		r.Outcome, r.Pulled, r.Written = outcome, 500+i, 10*i
		if err := db.FinishRun(ctx, r); err != nil {
			t.Fatalf("finish run: %v", err)
		}
	}
	var rej []store.Rejection
	for i := range 7 {
		code := "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
		if i%3 == 0 {
			code = "STRING_TOO_LONG"
		}
		rej = append(rej, store.Rejection{AccountID: fmt.Sprintf("001%05d", 1+i*50), Field: "Lifecycle_Tags__c",
			Code: code, Message: "bad value " + strconv.Itoa(i)})
	}
	if err := db.RejectWrites(ctx, rej); err != nil {
		t.Fatalf("reject writes: %v", err)
	}
	fx.rejected = len(rej)
	return db, fx
}

func TestBuild(t *testing.T) {
	db, fx := mustStore(t)
	f, err := report.Build(context.Background(), db, report.Options{
		Now: now, Location: time.UTC, RevenueField: "AnnualRevenue", Limit: 5,
	})
	if err != nil {
		t.Fatalf("build: %v", err)
	}

	t.Run("StatusCounts", func(t *testing.T) {
		want := append(report.DefaultStatuses(), "Churned-Custom")
		var got []string
		paying := 0
		for _, s := range f.Statuses {
			got = append(got, s.Status)
			if s.Accounts != fx.counts[s.Status] {
				t.Errorf("status %q: %d accounts, want %d", s.Status, s.Accounts, fx.counts[s.Status])
			}
			paying += fx.counts[s.Status]
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("statuses = %q, want %q", got, want)
		}
		if f.Paying != paying || f.NoStatus != fx.counts[""] {
			t.Errorf("paying, no status = %d, %d, want %d, %d", f.Paying, f.NoStatus, paying, fx.counts[""])
		}
		if g := report.Group("Churned-Custom"); g != "other" {
			t.Errorf("group of a custom status = %q, want other", g)
		}
	})

	t.Run("ThreeQuestions", func(t *testing.T) {
		for _, c := range f.Onboarding {
			good, poor := fmt.Sprintf("%d Day OnBoard-Good", c.Day), fmt.Sprintf("%d Day OnBoard-Poor", c.Day)
			if c.Good != fx.counts[good] || c.Poor != fx.counts[poor] {
				t.Errorf("onboarding %d: %d good, %d poor, want %d, %d", c.Day, c.Good, c.Poor, fx.counts[good], fx.counts[poor])
			}
		}
		for _, c := range f.Core {
			if want := fx.counts["Core-"+c.Tier]; c.Accounts != want {
				t.Errorf("core %s: %d, want %d", c.Tier, c.Accounts, want)
			}
		}
		for _, r := range f.Renewals {
			st := "Renewal-" + r.Risk
			if r.Accounts != fx.counts[st] || r.Revenue != fx.revenue[st] || r.Valued != fx.valued[st] {
				t.Errorf("renewal %s: %d accounts, revenue %v over %d, want %d, %v over %d",
					r.Risk, r.Accounts, r.Revenue, r.Valued, fx.counts[st], fx.revenue[st], fx.valued[st])
			}
		}
	})

	t.Run("History", func(t *testing.T) {
		if f.Since != "2025-04-02" || f.Until != "2025-06-30" {
			t.Fatalf("history window = %s..%s, want 2025-04-02..2025-06-30", f.Since, f.Until)
		}
		want := fx.snaps[10:]
		if len(f.History) != len(want) {
			t.Fatalf("history has %d days, want %d", len(f.History), len(want))
		}
		for i, d := range f.History {
			w := want[i]
			total := 0
			for st, n := range w.Counts {
				if st != "" {
					total += n
					if d.Counts[st] != n {
						t.Errorf("%s %q: %d, want %d", d.Day, st, d.Counts[st], n)
					}
				}
			}
			if d.Day != w.Day || d.Total != total {
				t.Errorf("day %d = %s total %d, want %s total %d", i, d.Day, d.Total, w.Day, total)
			}
			sum := 0.0
			for _, st := range f.HistoryStatuses {
				sum += d.Share(st)
			}
			if total > 0 && (sum < 0.999999 || sum > 1.000001) {
				t.Errorf("%s: shares add up to %v", d.Day, sum)
			}
		}
	})

	t.Run("Operations", func(t *testing.T) {
		if len(f.Runs) != 3 || f.Runs[0].Outcome != "partial" || f.Runs[2].Outcome != "ok" {
			t.Errorf("runs = %+v, want 3, newest (partial) first", f.Runs)
		}
		if f.LastSuccess == nil || f.LastSuccess.ID != f.Runs[0].ID {
			t.Errorf("last success = %+v, want run %d", f.LastSuccess, f.Runs[0].ID)
		}
		if f.Pending != fx.outbox || len(f.Outbox) != 5 {
			t.Errorf("pending = %d listing %d, want %d listing 5", f.Pending, len(f.Outbox), fx.outbox)
		}
		if f.Rejected != fx.rejected || len(f.Rejections) != 5 {
			t.Errorf("rejected = %d listing %d, want %d listing 5", f.Rejected, len(f.Rejections), fx.rejected)
		}
		if f.RejectionCodes["STRING_TOO_LONG"] != 3 {
			t.Errorf("rejection codes = %v, want 3 STRING_TOO_LONG", f.RejectionCodes)
		}
	})

	t.Run("SinceLimitsHistoryAndRuns", func(t *testing.T) {
		g, err := report.Build(context.Background(), db, report.Options{Now: now, Since: "2025-06-30"})
		if err != nil {
			t.Fatalf("build: %v", err)
		}
		if len(g.History) != 1 || g.History[0].Day != "2025-06-30" {
			t.Errorf("history since 2025-06-30 = %+v", g.History)
		}
		if len(g.Runs) != 3 {
			t.Errorf("runs since 2025-06-30 = %d, want 3", len(g.Runs))
		}
		if g.Renewals[0].Revenue != 0 || g.RevenueField != "" {
			t.Errorf("revenue without a field = %v", g.Renewals[0].Revenue)
		}
		g, err = report.Build(context.Background(), db, report.Options{Now: now, Since: "2025-07-01"})
		if err != nil {
			t.Fatalf("build: %v", err)
		}
		if len(g.History) != 0 || len(g.Runs) != 0 || len(g.Rejections) != 0 {
			t.Errorf("since tomorrow: %d days, %d runs, %d rejections, want none", len(g.History), len(g.Runs), len(g.Rejections))
		}
		if _, err := report.Build(context.Background(), db, report.Options{Since: "June"}); err == nil {
			t.Error("since June: no error")
		}
	})

	t.Run("Formats", func(t *testing.T) {
		var buf bytes.Buffer
		if err := report.Write(&buf, f, "json"); err != nil {
			t.Fatalf("json: %v", err)
		}
		var back report.Figures
		if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
			t.Fatalf("json does not parse: %v", err)
		}
		if !reflect.DeepEqual(back.Statuses, f.Statuses) || len(back.History) != len(f.History) {
			t.Errorf("json round trip lost figures")
		}

		buf.Reset()
		if err := report.Write(&buf, f, "csv"); err != nil {
			t.Fatalf("csv: %v", err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("csv does not parse: %v", err)
		}
		if !reflect.DeepEqual(rows[0], report.CSVHeader) {
			t.Errorf("csv header = %q", rows[0])
		}
		history := 0
		for _, r := range rows[1:] {
			switch r[0] {
			case "status":
				if n, _ := strconv.Atoi(r[3]); n != fx.counts[r[2]] {
					t.Errorf("csv status %q = %s, want %d", r[2], r[3], fx.counts[r[2]])
				}
			case "history":
				history++
			}
		}
		want := 0
		for _, d := range f.History {
			want += len(d.Counts)
		}
		if history != want {
			t.Errorf("csv history rows = %d, want %d", history, want)
		}

		buf.Reset()
		if err := report.Write(&buf, f, "table"); err != nil {
			t.Fatalf("table: %v", err)
		}
		for _, s := range []string{"Core-Good", "Can we count on the renewal cash?", report.Money(f.Renewals[2].Revenue)} {
			if !strings.Contains(buf.String(), s) {
				t.Errorf("table lacks %q", s)
			}
		}
		if err := report.Write(&buf, f, "xml"); err == nil {
			t.Error("format xml: no error")
		}
	})
}

func TestMoney(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 1234567.6: "1,234,568", -25000: "-25,000"} {
		if got := report.Money(v); got != want {
			t.Errorf("Money(%v) = %q, want %q", v, got, want)
		}
	}
}
