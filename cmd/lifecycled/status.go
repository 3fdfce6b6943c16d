package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/lifecycled/lifecycled/internal/store"
)

// runStatus is `lifecycled status`: the last runs, pending writes and
// rejections, read from the state file without taking the daemon's lock.
func runStatus(ctx context.Context, args []string, s stdio) error {
	fs := newFlagSet("status", "status [--config FILE] [--runs N] [--limit N]", s)
	c := common{offline: true}
	c.register(fs)
	runs := fs.Int("runs", 10, "how many recent runs to list")
	limit := fs.Int("limit", 20, "how many pending writes and rejections to list")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	_, db, err := c.openState(s)
	if err != nil {
		return err
	}
	defer db.Close()
	return printStatus(ctx, s.out, db, *runs, *limit)
}

func printStatus(ctx context.Context, w io.Writer, db *store.DB, runs, limit int) error {
	rs, err := db.Runs(ctx, runs)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tKIND\tSTARTED\tSECONDS\tOUTCOME\tPULLED\tCHANGED\tWRITTEN\tFAILED\tREJECTED\tDRIFT\tAPI CALLS\tERROR")
	for _, r := range rs {
		secs := "-"
		if !r.Ended.IsZero() {
			secs = fmt.Sprintf("%.1f", r.Ended.Sub(r.Started).Seconds())
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", r.ID, r.Kind,
			r.Started.Local().Format(time.DateTime), secs, r.Outcome, r.Pulled, r.Changed, r.Written,
			r.Failed, r.Rejected, r.Drift, r.APICalls, r.Error)
	}
	depth, err := db.OutboxDepth(ctx)
	if err != nil {
		return err
	}
	pending, err := db.Outbox(ctx, limit)
	if err != nil {
		return err
	}
	fmt.Fprintf(tw, "\nPending writes: %d\n", depth)
	if len(pending) > 0 {
		fmt.Fprintln(tw, "ACCOUNT\tTAGS\tSTATUS\tATTEMPTS\tNEXT ATTEMPT\tLAST ERROR")
		for _, o := range pending {
			tags, status := "-", "-"
			if o.WriteTags {
				tags = show(o.Tags)
			}
			if o.WriteStatus {
				status = show(o.Status)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", o.AccountID, tags, status, o.Attempts,
				o.NextAttempt.Local().Format(time.DateTime), o.LastError)
		}
	}
	rej, err := db.Rejections(ctx, limit)
	if err != nil {
		return err
	}
	fmt.Fprintf(tw, "\nRejections (latest %d):\n", len(rej))
	if len(rej) > 0 {
		fmt.Fprintln(tw, "ACCOUNT\tFIELD\tCODE\tLAST SEEN\tMESSAGE")
		for _, r := range rej {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.AccountID, r.Field, r.Code, r.LastSeen.Local().Format(time.DateTime), r.Message)
		}
	}
	return tw.Flush()
}
