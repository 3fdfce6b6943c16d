package engine

import (
	"context"
	"time"

	"github.com/lifecycled/lifecycled/internal/store"
)

// Run runs a cycle at once and then every interval until ctx is cancelled.
// A failed cycle is logged and retried at the next tick; Run returns nil on
// shutdown. onCycle, when not nil, is called after each cycle.
func (e *Engine) Run(ctx context.Context, onCycle func(store.Run, error)) error {
	t := time.NewTicker(e.opts.Interval)
	defer t.Stop()
	for {
		r, err := e.Cycle(ctx)
		if onCycle != nil {
			onCycle(r, err)
		}
		// A tick that fell due during a long cycle is already buffered, and
		// select picks at random among ready cases: shutdown must win.
		if ctx.Err() != nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// snapshot records today's count of accounts per status; the dashboard's
// history chart reads one snapshot a day (the last cycle's of that day).
func (c *cycle) snapshot() error {
	counts, err := c.e.store.StatusCounts(c.work)
	if err != nil {
		return err
	}
	delete(counts, "")
	c.counts = counts
	return c.e.store.SaveSnapshot(c.work, store.Snapshot{Day: c.asOf.String(), Counts: counts})
}
