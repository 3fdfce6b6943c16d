package engine

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestMetricsExportEveryLabelAtZero: before any cycle, the labelled
// families already have a series, at 0, for every cycle outcome, write
// outcome and known rejection code, so that rate() and alerts see them.
func TestMetricsExportEveryLabelAtZero(t *testing.T) {
	reg := prometheus.NewRegistry()
	newMetrics(reg)
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]float64{}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if got[f.GetName()] == nil {
					got[f.GetName()] = map[string]float64{}
				}
				got[f.GetName()][l.GetValue()] = m.GetCounter().GetValue()
			}
		}
	}
	for family, values := range map[string][]string{
		"lifecycled_cycles_total": {"ok", "partial", "limited", "aborted", "failed"},
		"lifecycled_writes_total": {"written", "deferred", "rejected"},
		"lifecycled_rejections_total": {"INVALID_INPUT", "TAGS_TOO_LONG", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
			"FIELD_CUSTOM_VALIDATION_EXCEPTION", "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY", "DUPLICATES_DETECTED", "STRING_TOO_LONG"},
	} {
		for _, v := range values {
			n, ok := got[family][v]
			if !ok || n != 0 {
				t.Errorf("%s{%q} = %v (present %v), want a series at 0", family, v, n, ok)
			}
		}
		if len(got[family]) != len(values) {
			t.Errorf("%s has %d series, want %d: %v", family, len(got[family]), len(values), got[family])
		}
	}
}
