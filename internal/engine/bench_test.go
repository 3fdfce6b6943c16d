package engine_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
	"github.com/lifecycled/lifecycled/internal/engine"
)

// BenchmarkFullCycle runs the first, full cycle over 30,000 accounts
// (emulator in-process, real HTTP and a real state file) through the Bulk
// API paths a daemon takes at that size, and reports accounts per second
// and API calls per cycle.
func BenchmarkFullCycle(b *testing.B) {
	benchCycle(b, 30000, nil)
}

// BenchmarkFullCycleREST is BenchmarkFullCycle over the REST paths only.
func BenchmarkFullCycleREST(b *testing.B) {
	benchCycle(b, 30000, func(o *engine.Options) { o.BulkThreshold, o.BulkWriteThreshold = -1, -1 })
}

func benchCycle(b *testing.B, n int, tune func(*engine.Options)) {
	calls := 0
	for b.Loop() {
		b.StopTimer()
		h := newHarnessWith(b, sftest.Options{Accounts: n}, func(h *harness) { h.tune = tune })
		b.StartTimer()
		r := h.cycle()
		b.StopTimer()
		calls += r.APICalls
		h.close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "accounts/s")
	b.ReportMetric(float64(calls)/float64(b.N), "calls/cycle")
}

// BenchmarkRollover measures the cycle of a new day with nothing else
// changed, after a first sync: every account is computed again for the new
// date, and only those whose values change are written. The accounts:
// LIFECYCLED_BENCH_ACCOUNTS (default 30,000), e.g.
//
//	LIFECYCLED_BENCH_ACCOUNTS=1000000 go test -run '^$' -bench BenchmarkRollover -benchtime 1x ./internal/engine/
func BenchmarkRollover(b *testing.B) {
	n := 30000
	if v, err := strconv.Atoi(os.Getenv("LIFECYCLED_BENCH_ACCOUNTS")); err == nil && v > 0 {
		n = v
	}
	written, calls := 0, 0
	for b.Loop() {
		b.StopTimer()
		h := newHarnessWith(b, sftest.Options{Accounts: n, WriteLogLimit: 10}, nil)
		h.cycle()
		h.clock.Advance(24 * time.Hour)
		b.StartTimer()
		r := h.cycle()
		b.StopTimer()
		written += r.Written
		calls += r.APICalls
		h.close()
		b.StartTimer()
	}
	b.ReportMetric(float64(written)/float64(b.N), "written/cycle")
	b.ReportMetric(float64(calls)/float64(b.N), "calls/cycle")
}
