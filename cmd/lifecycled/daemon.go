package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/lifecycled/lifecycled/connectors/salesforce"
)

// Waits between attempts to reach or log in to Salesforce. Salesforce blocks
// a user's logins past 3,600 an hour ("Sign In Error 'Login Rate
// Exceeded'", https://help.salesforce.com/s/articleView?id=000381578&type=1),
// and many failed logins from one address can get it blocked ("Best
// Practices For Handling Failed Logins",
// https://help.salesforce.com/apex/HTViewSolution?id=000212767): the
// daemon waits at least 5 s and backs off to 5 minutes, far below both.
const (
	connectMinWait = 5 * time.Second
	connectMaxWait = 5 * time.Minute
)

// daemon runs the engine for `lifecycled run` and keeps it connected. It
// starts with no connection: it dials Salesforce until it answers (a
// network failure, a 5xx, a refused token or a config the org does not fit
// are all waited out, one log line per attempt), and it logs in again when
// a token is refused while it runs. Meanwhile /readyz says why it waits.
type daemon struct {
	m      *Main
	logger *slog.Logger

	mu  sync.Mutex
	why string // why the daemon cannot work now; "" when connected
}

func newDaemon(m *Main) *daemon {
	return &daemon{m: m, logger: m.Logger.With("component", "daemon"), why: "connecting to salesforce"}
}

// blocked is the endpoint's readiness hook.
func (d *daemon) blocked() string {
	d.mu.Lock()
	why := d.why
	d.mu.Unlock()
	if why != "" {
		return why
	}
	if e := d.m.Engine; e != nil {
		return e.Blocked()
	}
	return ""
}

func (d *daemon) setBlocked(why string) {
	d.mu.Lock()
	d.why = why
	d.mu.Unlock()
}

// run connects, then runs a cycle at once and every interval until ctx
// ends. A cycle refused for its token logs in again before the next one.
func (d *daemon) run(ctx context.Context) error {
	if !d.retry(ctx, "connect to salesforce", d.connect) {
		return nil
	}
	t := time.NewTicker(d.m.Config.Sync.Interval)
	defer t.Stop()
	for {
		r, err := d.m.Engine.Cycle(ctx)
		if ctx.Err() != nil {
			return nil
		}
		d.m.afterCycle(ctx, r)
		if salesforce.Classify(err) == salesforce.ClassAuth {
			d.setBlocked(fmt.Sprintf("salesforce refused the token: %v", err))
			if !d.retry(ctx, "log in to salesforce", d.m.CRM.Open) {
				return nil
			}
		}
		// A tick that fell due during a long cycle must not win over
		// shutdown: check ctx first.
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

// connect dials Salesforce and builds the engine.
func (d *daemon) connect(ctx context.Context) error {
	problems, err := d.m.dial(ctx)
	if err != nil {
		return err
	}
	if err := d.m.judge(problems); err != nil {
		return err
	}
	d.m.buildEngine()
	return nil
}

// retry calls fn until it succeeds, waiting between attempts with capped
// exponential backoff; it reports false when ctx ended first.
func (d *daemon) retry(ctx context.Context, what string, fn func(context.Context) error) bool {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval, b.MaxElapsedTime = connectMinWait, connectMaxWait, 0
	b.RandomizationFactor = 0.2
	b.Reset()
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil {
			if attempt > 1 {
				d.logger.Info("salesforce answers again", "attempts", attempt)
			}
			d.setBlocked("")
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		wait := max(b.NextBackOff(), connectMinWait)
		why := err.Error()
		if !strings.HasPrefix(why, what) {
			why = what + ": " + why
		}
		d.setBlocked(fmt.Sprintf("%s (attempt %d; next in %s)", why, attempt, wait.Round(time.Second)))
		d.logger.Error("cannot "+what+"; waiting to try again", "attempt", attempt,
			"wait", wait.Round(time.Second).String(), "error", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
	}
}
