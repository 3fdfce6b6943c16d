package main

import (
	"context"

	"github.com/lifecycled/lifecycled/internal/store"
)

// afterCycle runs what follows each sync cycle of run, sync and demo: the
// capabilities that build on the cycle's results in the store (each in its
// own package, with the store as its floor), in order. It runs even after
// a failed cycle, on what the store holds; a capability's own failure is
// logged and does not fail the cycle.
//
// The calibration recorder (internal/calibration) records renewal and
// onboarding outcomes; success plays (internal/plays) act on the
// transitions the cycle recorded.
func (m *Main) afterCycle(ctx context.Context, r store.Run) {
	m.recordOutcomes(ctx, r)
	if err := m.runPlays(ctx); err != nil {
		m.Logger.Warn("plays failed; they run again after the next cycle", "error", err)
	}
}
