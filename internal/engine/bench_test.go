package engine_test

import (
	"testing"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
)

// BenchmarkFullCycle runs the first, full cycle over 10,000 accounts (emulator
// in-process, real HTTP and a real state file) and reports accounts per
// second and API calls over the minimum.
func BenchmarkFullCycle(b *testing.B) {
	const n = 10000
	var calls, minimum int
	for b.Loop() {
		b.StopTimer()
		h := newHarness(b, n, sftest.Faults{})
		b.StartTimer()
		r := h.cycle()
		b.StopTimer()
		calls += r.APICalls
		minimum += (r.Pulled+1999)/2000 + (r.Changed+199)/200
		h.close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "accounts/s")
	b.ReportMetric(float64(calls)/float64(minimum), "calls/minimum")
}
