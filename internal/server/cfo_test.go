package server_test

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
	"github.com/lifecycled/lifecycled/internal/calibration"
	"github.com/lifecycled/lifecycled/internal/report"
	"github.com/lifecycled/lifecycled/internal/server"
	"github.com/lifecycled/lifecycled/internal/store"
)

var cfoFields = store.FactFields{Renewal: "Renewal_Date__c", Start: "Start_Date__c", Active: "Active_Users__c",
	Seats: "Licensed_Seats__c", Activity: "Last_Activity_Date__c", Value: "ARR__c"}

// fillFromEmulator stores the emulator's generated accounts with a status
// each (the risk buckets by turn for paying accounts with a renewal date
// ahead, Core-Good for other paying ones) and returns the records by Id.
func fillFromEmulator(t *testing.T, db *store.DB, now time.Time) map[string]sftest.Record {
	t.Helper()
	recs := sftest.GenerateAccounts(400, 7, now)
	out := map[string]sftest.Record{}
	var changes []store.Change
	for i, r := range recs {
		id := "001" + strconv.Itoa(100000+i)
		raw, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var st *string
		if p, _ := r["Paying_Customer__c"].(bool); p {
			s := "Core-Good"
			if ren, _ := r["Renewal_Date__c"].(string); ren != "" {
				s = calibration.BucketStatuses[i%3]
			}
			st = &s
		}
		out[id] = r
		changes = append(changes, store.Change{Account: store.Account{ID: id, Record: raw, DesiredStatus: st, AsOf: now.Format(time.DateOnly), RulesVersion: "v"}})
	}
	if err := db.Apply(context.Background(), changes); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDashboardMoneyEqualsReport(t *testing.T) {
	clk := &clock{t: start}
	db := mustStore(t, clk)
	recs := fillFromEmulator(t, db, start)
	_, base := mustServe(t, server.Options{Store: db, Now: clk.Now, Interval: time.Minute, Fields: cfoFields})
	code, doc, _ := get(t, base+"/")
	if code != http.StatusOK {
		t.Fatalf("GET / = %d", code)
	}
	f, err := report.Build(context.Background(), db, report.Options{Now: clk.Now(), Fields: cfoFields})
	if err != nil {
		t.Fatal(err)
	}
	// Independently: the value per bucket from the emulator's records.
	want := map[string]float64{}
	unvalued := 0
	for _, a := range mustFacts(t, db) {
		st := a.Status
		b := calibration.BucketOf(&st)
		if b == "" {
			continue
		}
		v, ok := recs[a.ID]["ARR__c"].(float64)
		if !ok {
			unvalued++
			continue
		}
		want[b] += v
	}
	if f.Cash.Unvalued != unvalued || unvalued == 0 {
		t.Errorf("unvalued = %d, want %d (> 0)", f.Cash.Unvalued, unvalued)
	}
	rows := elements(doc, "tr", "data-money-risk")
	if len(rows) != 3 {
		t.Fatalf("%d money rows, want 3", len(rows))
	}
	for i, b := range f.Cash.Buckets {
		if math.Abs(b.Value-want[b.Risk]) > 0.01 {
			t.Errorf("%s value = %.2f, want %.2f", b.Risk, b.Value, want[b.Risk])
		}
		if b.Measured || b.Rate != calibration.DefaultRates[b.Risk] {
			t.Errorf("%s rate = %v measured %v, want the default", b.Risk, b.Rate, b.Measured)
		}
		if math.Abs(b.Forecast-want[b.Risk]*calibration.DefaultRates[b.Risk]) > 0.01 {
			t.Errorf("%s forecast = %.2f", b.Risk, b.Forecast)
		}
		r := rows[i]
		if r["data-money-risk"] != b.Risk || r["data-value"] != strconv.FormatFloat(b.Value, 'f', 2, 64) ||
			r["data-forecast"] != strconv.FormatFloat(b.Forecast, 'f', 2, 64) || atoi(t, r["data-accounts"]) != b.Accounts {
			t.Errorf("dashboard row %v, report %+v", r, b)
		}
	}
	if m := elements(doc, "section", "data-unvalued"); len(m) != 1 || atoi(t, m[0]["data-unvalued"]) != f.Cash.Unvalued {
		t.Errorf("dashboard unvalued = %v, report %d", m, f.Cash.Unvalued)
	}
	// Utilization rows equal the report's.
	util := elements(doc, "tr", "data-util-status")
	if len(util) != len(f.Usage.Utilization) {
		t.Fatalf("%d utilization rows, want %d", len(util), len(f.Usage.Utilization))
	}
	for i, u := range f.Usage.Utilization {
		if atoi(t, util[i]["data-accounts"]) != u.Accounts {
			t.Errorf("utilization %s = %s, want %d", u.Status, util[i]["data-accounts"], u.Accounts)
		}
	}
	// No outcome yet: the calibration says so and draws no interval.
	if c := elements(doc, "section", "data-separation"); len(c) != 1 || c[0]["data-separation"] != "too_few" {
		t.Errorf("calibration section = %v, want too_few", c)
	}
	if len(elements(doc, "line", "x1")) > 0 && f.Calibration.Horizon(60).Bucket("Low Risk").Interval {
		t.Error("an interval drawn without outcomes")
	}

	t.Run("NoContractValueMapped", func(t *testing.T) {
		nf := cfoFields
		nf.Value = ""
		g, err := report.Build(context.Background(), db, report.Options{Now: clk.Now(), Fields: nf})
		if err != nil {
			t.Fatal(err)
		}
		if g.Cash.Field != "" || g.Cash.Value != 0 || g.Cash.Unvalued != g.Cash.Accounts || g.Cash.Accounts != f.Cash.Accounts {
			t.Errorf("money without a field = %+v", g.Cash)
		}
	})
}

func mustFacts(t *testing.T, db *store.DB) []store.Fact {
	t.Helper()
	facts, err := db.Facts(context.Background(), cfoFields)
	if err != nil {
		t.Fatal(err)
	}
	return facts
}
