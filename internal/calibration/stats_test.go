package calibration_test

import (
	"math"
	"strings"
	"testing"

	"github.com/lifecycled/lifecycled/internal/calibration"
	"github.com/lifecycled/lifecycled/internal/store"
)

func TestWilson(t *testing.T) {
	// Published values: 8 of 10 -> 0.4902..0.9433; 0 of 20 -> 0..0.1611.
	for _, c := range []struct {
		k, n   int
		lo, hi float64
	}{{8, 10, 0.4902, 0.9433}, {0, 20, 0, 0.1611}, {50, 100, 0.4038, 0.5962}} {
		lo, hi := calibration.Wilson(c.k, c.n)
		if math.Abs(lo-c.lo) > 5e-4 || math.Abs(hi-c.hi) > 5e-4 {
			t.Errorf("Wilson(%d, %d) = %.4f..%.4f, want %.4f..%.4f", c.k, c.n, lo, hi, c.lo, c.hi)
		}
	}
}

func outcomes(bucket string, renewed, churned int) []store.Outcome {
	var out []store.Outcome
	for i := range renewed + churned {
		r := store.Renewed
		if i >= renewed {
			r = store.Churned
		}
		b := bucket
		out = append(out, store.Outcome{Kind: store.KindRenewal, Result: r, Status120: &b, Status60: &b, Status30: &b})
	}
	return out
}

func TestSummarize(t *testing.T) {
	t.Run("TooFewForAnInterval", func(t *testing.T) {
		s := calibration.Summarize(append(outcomes("Renewal-Low Risk", 5, 0), outcomes("Renewal-High Risk", 1, 3)...))
		low := s.Horizon(60).Bucket("Low Risk")
		if low.Interval || low.Low != 0 || low.High != 0 || low.Total != 5 {
			t.Errorf("low = %+v, want no interval", low)
		}
		if s.Separation != "too_few" || !strings.Contains(s.Verdict, "Not enough") {
			t.Errorf("verdict = %s: %s", s.Separation, s.Verdict)
		}
		if r, measured := s.ForecastRate("Low Risk"); measured || r != calibration.DefaultRates["Low Risk"] {
			t.Errorf("forecast rate = %v %v, want the default", r, measured)
		}
	})
	t.Run("Separated", func(t *testing.T) {
		s := calibration.Summarize(append(outcomes("Renewal-Low Risk", 38, 2), outcomes("Renewal-High Risk", 15, 25)...))
		if s.Separation != "separated" {
			t.Errorf("separation = %s: %s", s.Separation, s.Verdict)
		}
		if r, measured := s.ForecastRate("High Risk"); !measured || r != 15.0/40 {
			t.Errorf("forecast rate = %v %v, want 0.375 measured", r, measured)
		}
	})
	t.Run("NotSeparated", func(t *testing.T) {
		s := calibration.Summarize(append(outcomes("Renewal-Low Risk", 30, 10), outcomes("Renewal-High Risk", 29, 11)...))
		if s.Separation != "not_separated" || !strings.Contains(s.Verdict, "do not separate") {
			t.Errorf("separation = %s: %s", s.Separation, s.Verdict)
		}
	})
}

func TestThinSnapshots(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	for d := 0; d < 28; d++ { // 2024-01-01 is a Monday: four weeks
		if err := w.db.SaveSnapshot(ctx, store.Snapshot{Day: day("2024-01-01", d), Counts: map[string]int{"Core-Good": d}}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := w.db.ThinSnapshots(ctx, "2024-01-22")
	if err != nil {
		t.Fatal(err)
	}
	snaps, err := w.db.Snapshots(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var days []string
	for _, s := range snaps {
		days = append(days, s.Day)
	}
	if n != 18 || len(days) != 10 || days[0] != "2024-01-01" || days[1] != "2024-01-08" || days[2] != "2024-01-15" || days[3] != "2024-01-22" {
		t.Errorf("deleted %d, kept %v", n, days)
	}
}
