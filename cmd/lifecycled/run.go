package main

import (
	"context"
	"time"

	"golang.org/x/sync/errgroup"
)

// runRun is `lifecycled run`: the daemon. It runs a cycle every
// sync.interval until SIGINT or SIGTERM, then lets the in-flight request
// finish (bounded), commits state and returns nil (exit 0).
func runRun(ctx context.Context, args []string, s stdio) error {
	fs := newFlagSet("run", "run [--config FILE]", s)
	var c common
	c.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	m, err := c.connect(ctx, s, true)
	if m != nil {
		defer m.Close()
	}
	if err != nil {
		return err
	}
	cfg, logger := m.Config, m.Logger
	srv, err := m.serve(time.Now)
	if err != nil {
		return err
	}
	logger.Info("lifecycled started", "version", version, "state", cfg.State.Path,
		"interval", cfg.Sync.Interval.String(), "object", cfg.Salesforce.Object, "listen", srv.Addr())
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return m.Engine.Run(gctx, nil) })
	g.Go(func() error {
		<-gctx.Done()
		return closeServer(srv)
	})
	if err := g.Wait(); err != nil {
		return err
	}
	logger.Info("lifecycled stopped")
	return nil
}
