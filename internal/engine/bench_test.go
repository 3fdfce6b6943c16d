package engine_test

import (
	"testing"

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
