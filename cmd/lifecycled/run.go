package main

import (
	"context"
	"errors"
	"time"

	"github.com/lifecycled/lifecycled/mapping"
	"golang.org/x/sync/errgroup"
)

// openDaemon parses the flags of run and sync (the config and logging only)
// and opens a Main with the state file: the daemon's start. The Main, when
// not nil, is the caller's to close.
func openDaemon(ctx context.Context, name string, args []string, s stdio) (*Main, error) {
	c, err := daemonFlags(name, args, s)
	if err != nil {
		return nil, err
	}
	m, err := c.connect(ctx, s, true)
	if m != nil {
		m.backfill = c.backfill
	}
	return m, err
}

func daemonFlags(name string, args []string, s stdio) (*common, error) {
	fs := newFlagSet(name, name+" [--config FILE] [--backfill]", s)
	var c common
	c.register(fs)
	fs.BoolVar(&c.backfill, "backfill", false, "plays new to the config fire for the transitions already recorded too")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	return &c, nil
}

// runRun is `lifecycled run`: the daemon. It opens the state file and starts
// the HTTP endpoint first, then connects to Salesforce, waiting out an
// unreachable or refusing org (see daemon), and runs a cycle every
// sync.interval until SIGINT or SIGTERM. Then it lets the in-flight write
// finish (bounded), commits state and returns nil (exit 0). Only what an
// operator must fix before it can work (the config, the state file, the
// listen address) stops it at start.
func runRun(ctx context.Context, args []string, s stdio) error {
	c, err := daemonFlags("run", args, s)
	if err != nil {
		return err
	}
	cfg, logger, secrets, err := c.setup(s)
	if err != nil {
		return err
	}
	for _, w := range cfg.Warnings() {
		logger.Warn("config warning", "warning", w.Error())
	}
	m := NewMain(cfg, logger, secrets)
	m.backfill = c.backfill
	defer m.Close()
	if err := m.prepare(true); err != nil {
		return err
	}
	// The dashboard's rows need the status values before Salesforce answers.
	if m.Pack, err = mapping.Compile(cfg.Definition()); err != nil {
		return err
	}
	d := newDaemon(m)
	srv, err := m.serve(time.Now, d.blocked)
	if err != nil {
		return err
	}
	logger.Info("lifecycled started", "version", version, "state", cfg.State.Path,
		"interval", cfg.Sync.Interval.String(), "object", cfg.Salesforce.Object, "listen", srv.Addr())
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return d.run(gctx) })
	g.Go(func() error {
		<-gctx.Done()
		return closeServer(srv)
	})
	if err := g.Wait(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	logger.Info("lifecycled stopped")
	return nil
}
