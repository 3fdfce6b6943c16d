package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/lifecycled/lifecycled/config"
	"github.com/lifecycled/lifecycled/internal/store"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestDemoMetrics scrapes /metrics of a running demo, parses it with the
// Prometheus text parser and compares its figures with the state file: the
// cycles by outcome, accounts pulled, writes and the last success time with
// the runs, and the accounts per status with the snapshot of the last
// successful run's day.
func TestDemoMetrics(t *testing.T) {
	logDir := t.TempDir()
	d := startDemo(t, logDir)
	for attempt := 1; ; attempt++ {
		problems := compareMetrics(t, d)
		if len(problems) == 0 {
			break
		}
		if attempt == 10 {
			t.Fatalf("/metrics never matched the store in %d scrapes; last time:\n%s", attempt, strings.Join(problems, "\n"))
		}
		t.Logf("scrape %d: %d differences (a cycle ran meanwhile?), again; first: %s", attempt, len(problems), problems[0])
	}
	checkStandardMetrics(t, scrape(t, d.base))
	d.stop(t, syscall.SIGTERM)
}

// scrape parses base's /metrics with the Prometheus text parser.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// checkStandardMetrics asserts what a Prometheus user expects of the
// scrape: the Go and process collectors, lifecycled_build_info of 1 with the
// version `lifecycled --version` prints, and every label value of the
// labelled lifecycled families present (at 0 until something happened).
func checkStandardMetrics(t *testing.T, fams map[string]*dto.MetricFamily) {
	t.Helper()
	for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "go_gc_duration_seconds",
		"process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds", "process_start_time_seconds"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("/metrics lacks %s", name)
		}
	}

	labels := func(m *dto.Metric) map[string]string {
		out := map[string]string{}
		for _, l := range m.GetLabel() {
			out[l.GetName()] = l.GetValue()
		}
		return out
	}
	v := runBinary(t, nil, nil, "--version")
	build := fams["lifecycled_build_info"].GetMetric()
	if len(build) != 1 {
		t.Fatalf("lifecycled_build_info has %d series, want 1", len(build))
	}
	l := labels(build[0])
	if got := build[0].GetGauge().GetValue(); got != 1 || v.code != 0 ||
		v.stdout != "lifecycled "+l["version"]+"\n" || l["goversion"] != runtime.Version() {
		t.Errorf("lifecycled_build_info%v = %v; --version printed %q (exit %d); want 1, the same version and goversion %s",
			l, got, v.stdout, v.code, runtime.Version())
	}

	if got, want := fams["lifecycled_api_budget_share"].GetMetric(), config.Default().Sync.MaxAPIShare; len(got) != 1 || got[0].GetGauge().GetValue() != want {
		t.Errorf("lifecycled_api_budget_share = %v, want the demo config's sync.max_api_share %v", got, want)
	}

	for _, c := range []struct {
		family, label string
		values        []string
	}{
		{"lifecycled_cycles_total", "outcome", []string{"ok", "partial", "limited", "aborted", "failed"}},
		{"lifecycled_writes_total", "outcome", []string{"written", "deferred", "rejected"}},
		{"lifecycled_rejections_total", "code", []string{"INVALID_INPUT", "TAGS_TOO_LONG",
			"INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "FIELD_CUSTOM_VALIDATION_EXCEPTION",
			"CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY", "DUPLICATES_DETECTED", "STRING_TOO_LONG"}},
	} {
		seen := map[string]bool{}
		for _, m := range fams[c.family].GetMetric() {
			if m.GetCounter() == nil || m.GetCounter().GetValue() < 0 {
				t.Errorf("%s%v is not a counter", c.family, labels(m))
			}
			seen[labels(m)[c.label]] = true
		}
		for _, want := range c.values {
			if !seen[want] {
				t.Errorf("/metrics lacks %s{%s=%q}", c.family, c.label, want)
			}
		}
	}
}

func compareMetrics(t *testing.T, d *runningDemo) []string {
	t.Helper()
	ctx := context.Background()
	fams := scrape(t, d.base)
	// value returns the sample of name whose label (if any) has value lv.
	value := func(name, label, lv string) float64 {
		for _, m := range fams[name].GetMetric() {
			ok := label == ""
			for _, l := range m.GetLabel() {
				ok = ok || l.GetName() == label && l.GetValue() == lv
			}
			if ok {
				switch {
				case m.GetCounter() != nil:
					return m.GetCounter().GetValue()
				case m.GetGauge() != nil:
					return m.GetGauge().GetValue()
				}
			}
		}
		return 0
	}
	for _, name := range []string{"lifecycled_cycles_total", "lifecycled_cycle_duration_seconds", "lifecycled_accounts_pulled_total",
		"lifecycled_writes_total", "lifecycled_outbox_depth", "lifecycled_api_usage", "lifecycled_api_limit",
		"lifecycled_accounts", "lifecycled_last_success_timestamp_seconds"} {
		if _, ok := fams[name]; !ok {
			t.Fatalf("/metrics lacks %s", name)
		}
	}

	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	// The run the metrics describe: the one whose end is the last success.
	last := value("lifecycled_last_success_timestamp_seconds", "", "")
	runs, err := d.db.Runs(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var at *store.Run
	for i := range runs {
		r := runs[i]
		if (r.Outcome == store.OutcomeOK || r.Outcome == store.OutcomePartial) &&
			math.Abs(float64(r.Ended.UnixMilli())/1000-last) < 0.0015 {
			at = &r
			break
		}
	}
	if at == nil {
		return []string{fmt.Sprintf("no successful run in the store ended at %v", last)}
	}
	outcomes := map[string]int{}
	pulled, written := 0, 0
	for _, r := range runs {
		if r.ID <= at.ID {
			outcomes[r.Outcome]++
			pulled += r.Pulled
			written += r.Written
		}
	}
	for outcome, n := range outcomes {
		if got := value("lifecycled_cycles_total", "outcome", outcome); int(got) != n {
			bad("lifecycled_cycles_total{outcome=%q} = %v, the store has %d runs up to run %d", outcome, got, n, at.ID)
		}
	}
	if got := value("lifecycled_accounts_pulled_total", "", ""); int(got) != pulled {
		bad("lifecycled_accounts_pulled_total = %v, the runs pulled %d", got, pulled)
	}
	if got := value("lifecycled_writes_total", "outcome", "written"); int(got) != written {
		bad("lifecycled_writes_total{outcome=written} = %v, the runs wrote %d", got, written)
	}

	snaps, err := d.db.Snapshots(ctx, at.AsOf)
	if err != nil || len(snaps) == 0 || snaps[0].Day != at.AsOf {
		t.Fatalf("no snapshot of %s: %v", at.AsOf, err)
	}
	want := snaps[0].Counts
	for st, n := range want {
		if got := value("lifecycled_accounts", "status", st); int(got) != n {
			bad("lifecycled_accounts{status=%q} = %v, the snapshot of %s has %d", st, got, at.AsOf, n)
		}
	}
	for _, m := range fams["lifecycled_accounts"].GetMetric() {
		for _, l := range m.GetLabel() {
			if _, ok := want[l.GetValue()]; l.GetName() == "status" && !ok && m.GetGauge().GetValue() != 0 {
				bad("lifecycled_accounts{status=%q} = %v, not in the snapshot", l.GetValue(), m.GetGauge().GetValue())
			}
		}
	}
	return problems
}
