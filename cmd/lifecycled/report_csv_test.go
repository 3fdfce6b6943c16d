package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lifecycled/lifecycled/internal/report"
)

// TestReportCSVHoldsEveryTable runs a 40-day demo through the binary, then
// `report --format json` and `--format csv` on its state: the CSV holds
// every table finance reads (money by bucket, by month and the forecast,
// calibration, trend, transitions, time to onboard, utilization and
// usage), each number equal to the JSON's.
func TestReportCSVHoldsEveryTable(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a 40-day demo")
	}
	dir := t.TempDir()
	state := filepath.Join(dir, "state.db")
	if res := runBinary(t, nil, nil, "demo", "--days", "40", "--cycles", "40", "--accounts", "1500", "--state", state,
		"--listen", "127.0.0.1:0", "--log-level", "warn"); res.code != 0 {
		t.Fatalf("demo = %d\n%s", res.code, res.stderr)
	}
	cfg := filepath.Join(dir, "lifecycled.yaml")
	// The default pack's fields and the demo's contract value.
	yaml := fmt.Sprintf("salesforce:\n  auth:\n    client_id: c\n    client_secret: s\nstate:\n  path: %s\nfields:\n"+
		"  start_date: Start_Date__c\n  renewal_date: Renewal_Date__c\n  paying: Paying_Customer__c\n  health: Customer_Health__c\n"+
		"  active_users: Active_Users__c\n  seats: Licensed_Seats__c\n  last_activity: Last_Activity_Date__c\n  arr: ARR__c\n", state)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	js := runBinary(t, nil, nil, "report", "--config", cfg, "--format", "json", "--limit", "-1")
	cs := runBinary(t, nil, nil, "report", "--config", cfg, "--format", "csv", "--limit", "-1")
	if js.code != 0 || cs.code != 0 {
		t.Fatalf("report json = %d, csv = %d\n%s%s", js.code, cs.code, js.stderr, cs.stderr)
	}
	var f report.Figures
	if err := json.Unmarshal([]byte(js.stdout), &f); err != nil {
		t.Fatalf("json: %v", err)
	}
	rows, err := csv.NewReader(strings.NewReader(cs.stdout)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v", err)
	}
	got := map[string]string{}
	for _, r := range rows[1:] {
		got[r[0]+"|"+r[1]+"|"+r[2]] = r[3]
	}
	checked := map[string]int{}
	want := func(section, day, key string, v any) {
		t.Helper()
		var s string
		switch v := v.(type) {
		case float64:
			s = strconv.FormatFloat(v, 'f', 2, 64)
		case int:
			s = strconv.Itoa(v)
		case string:
			s = v
		}
		checked[section]++
		if g, ok := got[section+"|"+day+"|"+key]; !ok || g != s {
			t.Errorf("csv %s %s %s = %q (present %v), json %q", section, day, key, g, ok, s)
		}
	}
	r4 := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }

	m := f.Cash
	for _, b := range m.Buckets {
		want("money_bucket", f.Today, b.Risk+"/accounts", b.Accounts)
		want("money_bucket", f.Today, b.Risk+"/value", b.Value)
		want("money_bucket", f.Today, b.Risk+"/rate", r4(b.Rate))
		want("money_bucket", f.Today, b.Risk+"/forecast", b.Forecast)
	}
	for _, mm := range m.Months {
		want("money_month", mm.Month, "accounts", mm.Accounts)
		want("money_month", mm.Month, "value", mm.Value)
		want("money_month", mm.Month, "forecast", mm.Forecast)
	}
	want("money_total", f.Today, "value", m.Value)
	want("money_total", f.Today, "forecast", m.Forecast)
	want("money_total", f.Today, "unvalued", m.Unvalued)
	for _, h := range f.Calibration.Horizons {
		for _, b := range h.Buckets {
			k := fmt.Sprintf("%d/%s", h.Days, b.Group)
			want("calibration", f.Today, k+"/renewed", b.Success)
			want("calibration", f.Today, k+"/total", b.Total)
			want("calibration", f.Today, k+"/rate", r4(b.Rate))
			if b.Interval {
				want("calibration", f.Today, k+"/low", r4(b.Low))
				want("calibration", f.Today, k+"/high", r4(b.High))
			}
		}
	}
	for _, r := range f.Calibration.Onboarding {
		want("calibration_onboarding", f.Today, r.Group+"/retained", r.Success)
		want("calibration_onboarding", f.Today, r.Group+"/total", r.Total)
	}
	want("calibration_verdict", f.Today, f.Calibration.Separation, f.Calibration.Verdict)
	for _, v := range f.Trend.Views {
		for _, d := range v.Days {
			want("trend", d.Day, v.Name+"/paying", d.Paying)
			want("trend", d.Day, v.Name+"/low", d.Low)
			want("trend", d.Day, v.Name+"/average", d.Average)
			want("trend", d.Day, v.Name+"/high", d.High)
		}
	}
	for _, x := range f.Trend.Transitions {
		want("transition", f.Today, x.From+"->"+x.To, x.Changes)
	}
	for i, b := range f.Trend.OnboardBins {
		want("time_to_onboard", f.Today, b, f.Trend.Onboarded[i])
	}
	for _, u := range f.Usage.Utilization {
		for i, c := range u.Counts {
			want("utilization", f.Today, u.Status+"/"+f.Usage.Bins[i], c)
		}
	}
	want("usage", f.Today, "inactive", f.Usage.Inactive)
	want("usage", f.Today, "declining", f.Usage.Declining)
	for _, a := range f.Usage.InactiveAccounts {
		want("inactive", f.Today, a.ID, a.Status)
	}

	// Every table is there, and the demo filled it.
	for _, s := range []string{"money_bucket", "money_month", "money_total", "calibration", "calibration_onboarding",
		"calibration_verdict", "trend", "transition", "time_to_onboard", "utilization", "usage"} {
		if checked[s] == 0 {
			t.Errorf("section %s: nothing in the json to check", s)
		}
	}
	if m.Value == 0 || f.Calibration.Renewed+f.Calibration.Churned == 0 || len(f.Trend.Transitions) == 0 {
		t.Errorf("the demo left money %.2f, %d outcomes, %d transitions: the test shows little", m.Value,
			f.Calibration.Renewed+f.Calibration.Churned, len(f.Trend.Transitions))
	}
}
