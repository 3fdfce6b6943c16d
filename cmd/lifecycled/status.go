package main

import (
	"context"

	"github.com/lifecycled/lifecycled/internal/report"
)

// runStatus is `lifecycled status`: the last runs, pending writes and
// rejections, read from the state file without taking the daemon's lock.
func runStatus(ctx context.Context, args []string, s stdio) error {
	fs := newFlagSet("status", "status [--config FILE] [--runs N] [--limit N] [--format table|json|csv]", s)
	c := common{offline: true}
	c.register(fs)
	runs := fs.Int("runs", report.DefaultRuns, "how many recent runs to list")
	limit := fs.Int("limit", report.DefaultLimit, "how many pending writes and rejections to list")
	var format string
	choiceVar(fs, &format, "format", "table", "output format", tableFormats, nil)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fs, "unexpected argument %q", fs.Arg(0))
	}
	cfg, db, err := c.openState(s)
	if err != nil {
		return err
	}
	defer db.Close()
	f, err := report.Operations(ctx, db, report.Options{Location: cfg.Sync.Location, Runs: *runs, Limit: *limit})
	if err != nil {
		return err
	}
	if err := report.WriteOps(s.out, f, format); err != nil || format != "table" {
		return err
	}
	return writePlaysStatus(ctx, s.out, db, *limit)
}
