package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
	"github.com/lifecycled/lifecycled/internal/calibration"
	"github.com/lifecycled/lifecycled/internal/report"
	"github.com/lifecycled/lifecycled/internal/server"
	"github.com/lifecycled/lifecycled/internal/store"
)

// history is a scenario played day by day on a store: the emulator's
// generated accounts, a status each, renewals decided by the test (most
// Low Risk accounts renew, most High Risk ones churn), onboarding accounts
// reaching a core status, usage that falls, a snapshot every day and the
// calibration recorder after every day. It keeps its own books of what it
// did, the expected values the dashboard and the report are checked
// against.
type history struct {
	t      *testing.T
	db     *store.DB
	clk    *clock
	recs   map[string]sftest.Record
	status map[string]string // "" not paying

	renewals    map[string][2]int // bucket -> renewed, total
	onboarding  map[string][2]int // Good/Poor -> retained, total
	transitions map[[2]string]int // in the report's period
	onboardDays []int
	shares      map[string][3]float64 // day -> Low, Average, High share of paying
	decliners   map[string]bool
}

const historyDays = 90

func playHistory(t *testing.T) *history {
	h := &history{t: t, clk: &clock{t: start}, status: map[string]string{}, renewals: map[string][2]int{},
		onboarding: map[string][2]int{}, transitions: map[[2]string]int{}, shares: map[string][3]float64{}, decliners: map[string]bool{}}
	h.db = mustStore(t, h.clk)
	h.recs = fillFromEmulator(t, h.db, start)
	day0 := start.Format(time.DateOnly)
	long := start.AddDate(0, 0, -400).Format(time.DateOnly)
	var changes []store.Change
	ids := h.ids()
	onboarders := 0
	for i, id := range ids {
		r := h.recs[id]
		st := ""
		if p, _ := r["Paying_Customer__c"].(bool); p {
			st = "Core-Good"
			if ren, _ := r["Renewal_Date__c"].(string); ren != "" {
				st = calibration.BucketStatuses[i%3]
			}
		}
		// Twenty paying Core-Good accounts are onboarding instead: their
		// start a year ago, less 5 to 24 days, their 90-day outcome by
		// turn. One in four stops paying on day 10: the ones whose first
		// anniversary comes later are lost, the others were retained.
		if st == "Core-Good" && onboarders < 20 {
			r["Start_Date__c"] = start.AddDate(-1, 0, 5+onboarders).Format(time.DateOnly)
			g := []string{"Good", "Poor"}[onboarders%2]
			st = "90 Day OnBoard-" + g
			c := h.onboarding[g]
			c[1]++
			if i%4 != 0 || 5+onboarders <= 10 {
				c[0]++
			}
			h.onboarding[g] = c
			onboarders++
		}
		// Six other paying Core-Good accounts lose most of their users.
		if a, _ := r["Active_Users__c"].(float64); st == "Core-Good" && a >= 3 && len(h.decliners) < 6 {
			h.decliners[id] = true
		}
		h.status[id] = st
		// The status was computed long ago, so every horizon sees it.
		changes = append(changes, h.change(id, st, long))
	}
	if onboarders < 20 || len(h.decliners) < 6 {
		t.Fatalf("the generated accounts give %d onboarders and %d decliners", onboarders, len(h.decliners))
	}
	h.apply(changes)
	h.snapshot(day0)
	h.record(day0)

	for d := 1; d <= historyDays; d++ {
		now := start.AddDate(0, 0, d)
		h.clk.Set(now)
		today := now.Format(time.DateOnly)
		changes = changes[:0]
		for i, id := range ids {
			r, st := h.recs[id], h.status[id]
			switch ren, _ := r["Renewal_Date__c"].(string); {
			case ren == today && st != "" && calibration.BucketOf(&st) != "":
				b := calibration.BucketOf(&st)
				renew := map[string]bool{"Low Risk": i%10 != 0, "Average Risk": i%2 == 0, "High Risk": i%10 < 3}[b]
				c := h.renewals[b]
				c[1]++
				if renew {
					c[0]++
					next, _ := time.Parse(time.DateOnly, ren)
					r["Renewal_Date__c"] = next.AddDate(1, 0, 0).Format(time.DateOnly)
					changes = append(changes, h.change(id, "Core-Good", today))
				} else {
					r["Paying_Customer__c"] = false
					changes = append(changes, h.change(id, "", today))
				}
				h.renewals[b] = c
			case strings.Contains(st, "Day OnBoard-") && d == 10:
				// Onboarded: the first core status on day 10, but one
				// in four stops paying first.
				if i%4 == 0 {
					changes = append(changes, h.change(id, "", today))
					break
				}
				changes = append(changes, h.change(id, "Core-Average", today))
				s, _ := time.Parse(time.DateOnly, r["Start_Date__c"].(string))
				h.onboardDays = append(h.onboardDays, int(now.Sub(s).Hours()/24))
			case h.decliners[id] && d == historyDays-5:
				r["Active_Users__c"] = math.Floor(r["Active_Users__c"].(float64) / 3)
				changes = append(changes, h.change(id, st, today))
			}
		}
		h.apply(changes)
		h.snapshot(today)
		h.record(today)
	}
	return h
}

func (h *history) ids() []string {
	var ids []string
	for id := range h.recs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// change stores account id with status st ("" none) computed as of day,
// and a history entry when the status changed, counted in the books.
func (h *history) change(id, st, day string) store.Change {
	raw, err := json.Marshal(h.recs[id])
	if err != nil {
		h.t.Fatal(err)
	}
	prev := h.status[id]
	if day == start.AddDate(0, 0, -400).Format(time.DateOnly) {
		prev = ""
	}
	c := store.Change{Account: store.Account{ID: id, Record: raw, DesiredStatus: opt(st), AsOf: day, RulesVersion: "v"}}
	if prev != st || day < start.Format(time.DateOnly) {
		from := opt(prev)
		if day < start.Format(time.DateOnly) {
			from = nil
		}
		c.History = append(c.History, store.HistoryEntry{AccountID: id, Kind: "change", From: from, To: opt(st),
			At: h.clk.Now(), AsOf: day})
		if day >= start.Format(time.DateOnly) {
			h.transitions[[2]string{prev, st}]++
		}
	}
	h.status[id] = st
	return c
}

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (h *history) apply(changes []store.Change) {
	if len(changes) == 0 {
		return
	}
	if err := h.db.Apply(context.Background(), changes); err != nil {
		h.t.Fatal(err)
	}
}

// snapshot saves the day's counts and books each bucket's share.
func (h *history) snapshot(day string) {
	counts := map[string]int{}
	paying := 0
	for _, st := range h.status {
		counts[st]++
		if st != "" {
			paying++
		}
	}
	var sh [3]float64
	for i, b := range calibration.BucketStatuses {
		sh[i] = float64(counts[b]) / float64(paying)
	}
	h.shares[day] = sh
	if err := h.db.SaveSnapshot(context.Background(), store.Snapshot{Day: day, Counts: counts}); err != nil {
		h.t.Fatal(err)
	}
}

func (h *history) record(day string) {
	rec := &calibration.Recorder{DB: h.db, Fields: cfoFields}
	if _, err := rec.Record(context.Background(), day); err != nil {
		h.t.Fatalf("record %s: %v", day, err)
	}
}

// wilson is the Wilson score 95% interval, written out here so that the
// test does not lean on the code it checks.
func wilson(k, n int) (float64, float64) {
	p, z := float64(k)/float64(n), 1.96
	c := (p + z*z/(2*float64(n))) / (1 + z*z/float64(n))
	w := z / (1 + z*z/float64(n)) * math.Sqrt(p*(1-p)/float64(n)+z*z/(4*float64(n)*float64(n)))
	return math.Max(0, c-w), math.Min(1, c+w)
}

func f4(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }

func near(a string, b float64) bool {
	v, err := strconv.ParseFloat(a, 64)
	return err == nil && math.Abs(v-b) < 0.0011
}

// TestDashboardHistoryEqualsReport plays 90 days and checks the
// calibration, the trend, the transitions, time to onboard and the usage
// lists on the dashboard against the report and both against the books.
func TestDashboardHistoryEqualsReport(t *testing.T) {
	h := playHistory(t)
	_, base := mustServe(t, server.Options{Store: h.db, Now: h.clk.Now, Interval: time.Minute, Fields: cfoFields})
	code, doc, _ := get(t, base+"/")
	if code != http.StatusOK {
		t.Fatalf("GET / = %d", code)
	}
	f, err := report.Build(context.Background(), h.db, report.Options{Now: h.clk.Now(), Fields: cfoFields})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("Calibration", func(t *testing.T) {
		renewed, total := 0, 0
		for _, c := range h.renewals {
			renewed, total = renewed+c[0], total+c[1]
		}
		if f.Calibration.Renewed != renewed || f.Calibration.Churned != total-renewed {
			t.Errorf("report renewed %d churned %d, books %d and %d", f.Calibration.Renewed, f.Calibration.Churned, renewed, total-renewed)
		}
		sec := elements(doc, "section", "data-separation")
		if len(sec) != 1 || atoi(t, sec[0]["data-renewed"]) != renewed || atoi(t, sec[0]["data-churned"]) != total-renewed {
			t.Errorf("dashboard calibration %v, books renewed %d of %d", sec, renewed, total)
		}
		cells := elements(doc, "td", "data-days")
		if len(cells) != 3*len(calibration.Horizons) {
			t.Fatalf("%d rate cells, want %d", len(cells), 3*len(calibration.Horizons))
		}
		for i, b := range calibration.Buckets {
			want := h.renewals[b]
			if want[1] < calibration.MinForInterval {
				t.Fatalf("%s: only %d renewals in the scenario", b, want[1])
			}
			lo, hi := wilson(want[0], want[1])
			for k, days := range calibration.Horizons {
				r := f.Calibration.Horizon(days).Bucket(b)
				if r.Success != want[0] || r.Total != want[1] || !r.Interval || math.Abs(r.Low-lo) > 1e-3 || math.Abs(r.High-hi) > 1e-3 {
					t.Errorf("report %s at %d days = %+v, books %d of %d [%.4f, %.4f]", b, days, r, want[0], want[1], lo, hi)
				}
				c := cells[i*len(calibration.Horizons)+k]
				if atoi(t, c["data-days"]) != days || atoi(t, c["data-renewed"]) != want[0] || atoi(t, c["data-total"]) != want[1] ||
					c["data-rate"] != f4(r.Rate) || !near(c["data-low"], lo) || !near(c["data-high"], hi) {
					t.Errorf("dashboard %s at %d days = %v, books %d of %d [%.4f, %.4f]", b, days, c, want[0], want[1], lo, hi)
				}
			}
		}
		low, high := h.renewals["Low Risk"], h.renewals["High Risk"]
		_, highHi := wilson(high[0], high[1])
		lowLo, _ := wilson(low[0], low[1])
		want := "not_separated"
		if lowLo > highHi {
			want = "separated"
		}
		if f.Calibration.Separation != want || sec[0]["data-separation"] != want {
			t.Errorf("separation: report %q, dashboard %q, books %q", f.Calibration.Separation, sec[0]["data-separation"], want)
		}
		// The interval chart draws one line per bucket.
		if n := len(elements(doc, "line", "x1")); n < 3 {
			t.Errorf("%d lines in the interval chart, want a line per bucket", n)
		}
		rows := elements(doc, "tr", "data-outcome90")
		if len(rows) != 2 {
			t.Fatalf("%d onboarding rows: %v", len(rows), rows)
		}
		for _, g := range []string{"Good", "Poor"} {
			want := h.onboarding[g]
			lo, hi := wilson(want[0], want[1])
			var r calibration.Rate
			for _, x := range f.Calibration.Onboarding {
				if x.Group == g {
					r = x
				}
			}
			var row map[string]string
			for _, x := range rows {
				if x["data-outcome90"] == g {
					row = x
				}
			}
			if r.Success != want[0] || r.Total != want[1] || row == nil || atoi(t, row["data-retained"]) != want[0] ||
				atoi(t, row["data-total"]) != want[1] || row["data-rate"] != f4(r.Rate) || !r.Interval ||
				!near(row["data-low"], lo) || !near(row["data-high"], hi) {
				t.Errorf("onboarding %s: report %+v, dashboard %v, books %v", g, r, row, want)
			}
		}
	})

	t.Run("Trend", func(t *testing.T) {
		lines := elements(doc, "polyline", "data-shares")
		views := map[string]int{"90d": 90, "1y": historyDays + 1, "all": historyDays + 1}
		if len(lines) != 3*len(f.Trend.Views) {
			t.Fatalf("%d trend lines, want %d", len(lines), 3*len(f.Trend.Views))
		}
		for v, view := range f.Trend.Views {
			if len(view.Days) != views[view.Name] {
				t.Errorf("view %s: %d days, want %d", view.Name, len(view.Days), views[view.Name])
			}
			for i, b := range calibration.Buckets {
				l := lines[3*v+i]
				pts := strings.Fields(l["data-shares"])
				if l["data-bucket"] != b || len(pts) != len(view.Days) {
					t.Fatalf("view %s line %d: bucket %q, %d points; want %s, %d", view.Name, i, l["data-bucket"], len(pts), b, len(view.Days))
				}
				for k, p := range pts {
					day, share, _ := strings.Cut(p, "=")
					d := view.Days[k]
					n := []int{d.Low, d.Average, d.High}[i]
					want := h.shares[day][i]
					if day != d.Day || share != f4(want) || math.Abs(float64(n)/float64(d.Paying)-want) > 1e-9 {
						t.Errorf("view %s %s on %s: dashboard %s, report %d of %d, books %.4f", view.Name, b, day, share, n, d.Paying, want)
					}
				}
			}
		}
	})

	t.Run("Transitions", func(t *testing.T) {
		rows := elements(doc, "tr", "data-changes")
		if len(rows) != len(f.Trend.Transitions) || len(rows) != len(h.transitions) {
			t.Fatalf("%d transition rows, report %d, books %d", len(rows), len(f.Trend.Transitions), len(h.transitions))
		}
		for i, x := range f.Trend.Transitions {
			want := h.transitions[[2]string{x.From, x.To}]
			if x.Changes != want || rows[i]["data-from"] != x.From || rows[i]["data-to"] != x.To || atoi(t, rows[i]["data-changes"]) != want {
				t.Errorf("transition %q -> %q: report %d, dashboard %v, books %d", x.From, x.To, x.Changes, rows[i], want)
			}
		}
	})

	t.Run("TimeToOnboard", func(t *testing.T) {
		sort.Ints(h.onboardDays)
		if fmt.Sprint(f.Trend.OnboardDays) != fmt.Sprint(h.onboardDays) || len(h.onboardDays) == 0 {
			t.Errorf("report onboard days %v, books %v", f.Trend.OnboardDays, h.onboardDays)
		}
		want := make([]int, len(report.OnboardBins))
		for _, d := range h.onboardDays {
			switch {
			case d <= 90:
				want[0]++
			case d <= 120:
				want[1]++
			case d <= 180:
				want[2]++
			default:
				want[3]++
			}
		}
		rows := elements(doc, "tr", "data-bin")
		var got []int
		for _, r := range rows {
			if _, ok := r["data-count"]; ok {
				got = append(got, atoi(t, r["data-count"]))
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || fmt.Sprint(f.Trend.Onboarded) != fmt.Sprint(want) {
			t.Errorf("time to onboard: dashboard %v, report %v, books %v", got, f.Trend.Onboarded, want)
		}
	})

	t.Run("InactiveAndDeclining", func(t *testing.T) {
		quiet := h.clk.Now().AddDate(0, 0, -report.InactiveDays).Format(time.DateOnly)
		inactive := map[string]bool{}
		for id, st := range h.status {
			if a, _ := h.recs[id]["Last_Activity_Date__c"].(string); st != "" && (a == "" || a < quiet) {
				inactive[id] = true
			}
		}
		sec := elements(doc, "section", "data-inactive")
		if f.Usage.Inactive != len(inactive) || len(sec) != 1 || atoi(t, sec[0]["data-inactive"]) != len(inactive) || len(inactive) == 0 {
			t.Fatalf("inactive: report %d, dashboard %v, books %d", f.Usage.Inactive, sec, len(inactive))
		}
		listed := elements(doc, "span", "data-inactive-account")
		if len(listed) != len(f.Usage.InactiveAccounts) || len(listed) != min(len(inactive), report.DefaultLimit) {
			t.Errorf("%d inactive accounts listed, report %d, books %d", len(listed), len(f.Usage.InactiveAccounts), len(inactive))
		}
		for i, a := range f.Usage.InactiveAccounts {
			if !inactive[a.ID] || listed[i]["data-inactive-account"] != a.ID {
				t.Errorf("inactive %d: report %s, dashboard %v", i, a.ID, listed[i])
			}
		}
		if f.Usage.Declining != len(h.decliners) || atoi(t, sec[0]["data-declining"]) != len(h.decliners) {
			t.Errorf("declining: report %d, dashboard %s, books %d", f.Usage.Declining, sec[0]["data-declining"], len(h.decliners))
		}
		dl := elements(doc, "span", "data-declining-account")
		if len(dl) != len(f.Usage.DecliningAccts) {
			t.Fatalf("%d declining listed, report %d", len(dl), len(f.Usage.DecliningAccts))
		}
		for i, a := range f.Usage.DecliningAccts {
			was := h.recs[a.ID]["Active_Users__c"].(float64)
			if !h.decliners[a.ID] || dl[i]["data-declining-account"] != a.ID || a.To != was || dl[i]["data-to"] != fmt.Sprint(was) ||
				dl[i]["data-from"] != fmt.Sprint(a.From) || a.From < was*1.5 {
				t.Errorf("declining %d: report %+v, dashboard %v, books now %v", i, a, dl[i], was)
			}
		}
	})
}
