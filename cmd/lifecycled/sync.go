package main

import (
	"context"
	"fmt"

	"github.com/lifecycled/lifecycled/internal/engine"
)

// runSync is `lifecycled sync`: one cycle. It fails (non-zero exit) unless
// the cycle completed; a cycle whose writes the API budget cut short still
// counts as completed, and says so.
func runSync(ctx context.Context, args []string, s stdio) error {
	m, err := openDaemon(ctx, "sync", args, s)
	if m != nil {
		defer m.Close()
	}
	if err != nil {
		return err
	}
	r, err := m.Engine.Cycle(ctx)
	m.afterCycle(ctx, r)
	fmt.Fprintf(s.out, "run %d (%s): %s; pulled %d, changed %d, written %d, failed %d, rejected %d, drift %d, api calls %d\n",
		r.ID, r.Kind, r.Outcome, r.Pulled, r.Changed, r.Written, r.Failed, r.Rejected, r.Drift, r.APICalls)
	if err != nil {
		return err
	}
	if r.Outcome != engine.OutcomeOK && r.Outcome != engine.OutcomePartial {
		return fmt.Errorf("cycle ended %s", r.Outcome)
	}
	return nil
}
