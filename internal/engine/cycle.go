package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lifecycled/lifecycled/internal/store"
	"github.com/lifecycled/lifecycled/mapping"
)

// Run outcomes recorded in the store and in metrics.
const (
	OutcomeOK      = "ok"      // every step done
	OutcomePartial = "partial" // done, but writes were stopped by the API budget or left for later
	OutcomeLimited = "limited" // the org's API limit stopped the cycle
	OutcomeAborted = "aborted" // shutdown stopped the cycle early
	OutcomeFailed  = "failed"
)

// errStopped ends a pull early when shutdown begins.
var errStopped = errors.New("shutting down")

// cycle holds the state of one reconcile cycle.
type cycle struct {
	e       *Engine
	ctx     context.Context // cancelled at shutdown: stop taking new work
	work    context.Context // outlives ctx by the grace period: finish in-flight work and commit state
	run     store.Run
	asOf    mapping.Date
	started time.Time
	full    bool
	lastFul int64 // id of the last completed full pull, 0 when none yet
	limited bool  // the API budget stopped writes

	counts map[string]int // accounts per status, once snapshot has counted them

	rejections map[string][]store.Rejection // Salesforce's refusals, by account, for held
	pulledAt   time.Time                    // Salesforce's time when the pull began reading
	refreshing bool                         // the pull is refresh's re-read: not counted as pulled
	firstPull  bool                         // the store held no account when the cycle began
}

// Cycle runs one reconcile cycle: pull, compute, diff, push. It returns the
// run's figures, as recorded in the store. A cancelled ctx stops the cycle
// from taking new work; requests already sent get the grace period to finish
// and the state they produced is committed.
func (e *Engine) Cycle(ctx context.Context) (store.Run, error) {
	work, stop := e.workContext(ctx)
	defer stop()

	c := &cycle{e: e, ctx: ctx, work: work, asOf: e.today(), started: e.Now()}
	full, why, err := c.needFullPull()
	if err != nil {
		return store.Run{}, err
	}
	c.full = full
	kind := "incremental"
	if full {
		kind = "full"
	}
	c.run, err = e.store.StartRun(work, kind)
	if err != nil {
		return store.Run{}, fmt.Errorf("start run: %w", err)
	}
	c.run.AsOf = c.asOf.String()
	calls := e.crm.Calls()
	if full {
		e.logger.Info("full pull", "reason", why)
	}

	err = c.execute()

	// The store stamped Started; its clock stamps Ended too, so a run's
	// duration never mixes two clocks.
	c.run.Ended = e.store.Now()
	c.run.APICalls = int(e.crm.Calls() - calls)
	c.run.Outcome = c.outcome(err)
	if err != nil {
		c.run.Error = err.Error()
	}
	if ferr := e.store.FinishRun(work, c.run); ferr != nil && err == nil {
		err = fmt.Errorf("finish run: %w", ferr)
	}
	e.observe(work, c.run, c.counts)
	return c.run, err
}

// workContext returns a context for requests and state commits that stays
// alive for the grace period after ctx is cancelled.
func (e *Engine) workContext(ctx context.Context) (context.Context, func()) {
	work, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var timer *time.Timer
	stopAfter := context.AfterFunc(ctx, func() { timer = time.AfterFunc(e.opts.Grace, cancel) })
	return work, func() {
		if !stopAfter() && timer != nil {
			timer.Stop()
		}
		cancel()
	}
}

func (c *cycle) execute() error {
	if err := c.recheckAccess(); err != nil {
		return err
	}
	if err := c.loadRejections(); err != nil {
		return fmt.Errorf("read rejections: %w", err)
	}
	if err := c.resumeJob(); err != nil {
		return err
	}
	if c.full {
		n, err := c.e.store.CountAccounts(c.work)
		if err != nil {
			return err
		}
		c.firstPull = n == 0 // nothing stored to compare with: no look-ups
	}
	if err := c.pull(); err != nil {
		return err
	}
	if err := c.recompute(); err != nil {
		return err
	}
	if err := c.refresh(); err != nil {
		return err
	}
	if err := c.push(); err != nil {
		return err
	}
	if err := c.clearGone(); err != nil {
		return err
	}
	return c.snapshot()
}

func (c *cycle) outcome(err error) string {
	switch {
	case errors.Is(err, ErrLimitExceeded):
		return OutcomeLimited
	case errors.Is(err, errStopped), c.ctx.Err() != nil:
		// Shutdown stops pushes and pulls between requests without an
		// error; the work left is picked up by the next start.
		return OutcomeAborted
	case err == nil && c.limited:
		return OutcomePartial
	case err == nil:
		return OutcomeOK
	default:
		return OutcomeFailed
	}
}

// needFullPull reports whether this cycle pulls every record, and why.
func (c *cycle) needFullPull() (bool, string, error) {
	s := c.e.store
	wm, err := s.Meta(c.work, metaWatermark)
	if err != nil {
		return false, "", fmt.Errorf("read watermark: %w", err)
	}
	if wm == "" {
		return true, "first run", nil
	}
	scope, err := s.Meta(c.work, metaScopeVersion)
	if err != nil {
		return false, "", fmt.Errorf("read scope version: %w", err)
	}
	if scope != c.e.opts.ScopeVersion {
		return true, "field mapping or scope changed", nil
	}
	id, err := s.Meta(c.work, metaLastFullID)
	if err != nil {
		return false, "", fmt.Errorf("read last full pull: %w", err)
	}
	fmt.Sscan(id, &c.lastFul)
	if c.e.opts.FullResync > 0 {
		last, err := s.Meta(c.work, metaLastFull)
		if err != nil {
			return false, "", fmt.Errorf("read last full pull: %w", err)
		}
		t, perr := time.Parse(time.RFC3339Nano, last)
		if perr != nil || c.started.Sub(t) >= c.e.opts.FullResync {
			return true, "full_resync interval elapsed", nil
		}
	}
	return false, "", nil
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
