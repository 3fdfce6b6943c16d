package main

import (
	"context"
	"time"

	"golang.org/x/sync/errgroup"
)

// openDaemon parses the flags of run and sync (the config and logging only)
// and opens a Main with the state file: the daemon's start. The Main, when
// not nil, is the caller's to close.
func openDaemon(ctx context.Context, name string, args []string, s stdio) (*Main, error) {
	fs := newFlagSet(name, name+" [--config FILE]", s)
	var c common
	c.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	return c.connect(ctx, s, true)
}

// runRun is `lifecycled run`: the daemon. It runs a cycle every
// sync.interval until SIGINT or SIGTERM, then lets the in-flight request
// finish (bounded), commits state and returns nil (exit 0).
func runRun(ctx context.Context, args []string, s stdio) error {
	m, err := openDaemon(ctx, "run", args, s)
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
