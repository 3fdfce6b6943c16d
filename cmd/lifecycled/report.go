package main

import (
	"context"
	"time"

	"github.com/lifecycled/lifecycled/internal/report"
	"github.com/lifecycled/lifecycled/mapping"
)

// runReport is `lifecycled report`: the dashboard's figures on the command
// line, read from the state file without taking the daemon's lock.
func runReport(ctx context.Context, args []string, s stdio) error {
	fs := newFlagSet("report", "report [--config FILE] [--format table|json|csv] [--since YYYY-MM-DD] [--calibration]", s)
	c := common{offline: true}
	c.register(fs)
	var format, since string
	choiceVar(fs, &format, "format", "table", "output format", tableFormats, nil)
	dateVar(fs, &since, "since", "first day of the history, runs and rejections (default: 90 days up to today)")
	runs := fs.Int("runs", report.DefaultRuns, "how many recent runs to list (-1: all)")
	calib := fs.Bool("calibration", false, "only the calibration: renewal rate per risk bucket and retention by onboarding outcome")
	limit := fs.Int("limit", report.DefaultLimit, "how many rejections and pending writes to list (-1: all)")
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
	pack, err := mapping.Compile(cfg.Definition())
	if err != nil {
		return err
	}
	f, err := report.Build(ctx, db, report.Options{
		Now: time.Now(), Location: cfg.Sync.Location, Since: since,
		StatusValues: pack.StatusValues(), RevenueField: cfg.RevenueField(), Fields: factFields(cfg),
		Runs: *runs, Limit: *limit,
	})
	if err != nil {
		return err
	}
	if *calib {
		return report.WriteCalibration(s.out, f, format)
	}
	return report.Write(s.out, f, format)
}
