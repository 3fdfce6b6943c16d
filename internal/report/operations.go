package report

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lifecycled/lifecycled/internal/store"
)

// Run is one reconcile cycle's figures.
type Run struct {
	ID       int64     `json:"id"`
	Kind     string    `json:"kind"`
	Started  time.Time `json:"started"`
	Ended    time.Time `json:"ended"`
	AsOf     string    `json:"as_of"`
	Pulled   int       `json:"pulled"`
	Computed int       `json:"computed"`
	Changed  int       `json:"changed"`
	Written  int       `json:"written"`
	Failed   int       `json:"failed"`
	Rejected int       `json:"rejected"`
	Drift    int       `json:"drift"`
	Deleted  int       `json:"deleted"`
	APICalls int       `json:"api_calls"`
	Outcome  string    `json:"outcome"`
	Error    string    `json:"error,omitempty"`
}

// Seconds returns the run's wall time, or -1 when it has not ended.
func (r Run) Seconds() float64 {
	if r.Ended.IsZero() {
		return -1
	}
	return r.Ended.Sub(r.Started).Seconds()
}

// Rejection is a write Salesforce (or the rules) refused.
type Rejection struct {
	AccountID string    `json:"account_id"`
	Field     string    `json:"field"`
	Code      string    `json:"code"`
	Message   string    `json:"message"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// PlayRejection is a success play's action that failed for good (an
// inactive owner, a validation rule on Task, a webhook answering 4xx).
type PlayRejection struct {
	Play       string    `json:"play"`
	Action     string    `json:"action"`
	AccountID  string    `json:"account_id"`
	Transition string    `json:"transition"`
	Code       string    `json:"code"`
	Message    string    `json:"message"`
	Created    time.Time `json:"created"`
}

// Pending is a write waiting in the outbox.
type Pending struct {
	AccountID   string    `json:"account_id"`
	Tags        *string   `json:"tags,omitempty"`   // set when the tags are written
	Status      *string   `json:"status,omitempty"` // set when the status is written
	WriteTags   bool      `json:"write_tags"`
	WriteStatus bool      `json:"write_status"`
	Attempts    int       `json:"attempts"`
	LastError   string    `json:"last_error,omitempty"`
	NextAttempt time.Time `json:"next_attempt"`
}

// Operations returns figures holding only the runs, rejections and pending
// writes (the `status` command's view), without the per-status counts and
// history that Build also reads. opts.Runs and opts.Limit apply; nothing is
// filtered by day.
func Operations(ctx context.Context, db *store.DB, opts Options) (*Figures, error) {
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	f := &Figures{}
	if err := f.operations(ctx, db, opts, loc); err != nil {
		return nil, err
	}
	return f, nil
}

// operations fills the runs, rejections, plays and pending writes.
func (f *Figures) operations(ctx context.Context, db *store.DB, opts Options, loc *time.Location) error {
	runs, limit := listLen(opts.Runs, DefaultRuns), listLen(opts.Limit, DefaultLimit)
	rs, err := db.Runs(ctx, runs)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	f.Runs = []Run{}
	for _, r := range rs {
		if dayOf(r.Started, loc).Format(time.DateOnly) < f.Since {
			continue
		}
		f.Runs = append(f.Runs, runOf(r))
	}
	last, err := db.LastSuccess(ctx)
	switch {
	case err == nil:
		r := runOf(last)
		f.LastSuccess = &r
	case !errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("report: %w", err)
	}

	if f.RejectionCodes, err = db.RejectionCounts(ctx); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	for _, n := range f.RejectionCodes {
		f.Rejected += n
	}
	rej, err := db.Rejections(ctx, limit)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	f.Rejections = []Rejection{}
	for _, r := range rej {
		if dayOf(r.LastSeen, loc).Format(time.DateOnly) < f.Since {
			continue
		}
		f.Rejections = append(f.Rejections, Rejection{AccountID: r.AccountID, Field: r.Field, Code: r.Code,
			Message: r.Message, FirstSeen: r.FirstSeen, LastSeen: r.LastSeen})
	}

	if f.Plays, err = db.CountPlays(ctx); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	prej, err := db.PlayRejections(ctx, limit)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	f.PlayRejections = []PlayRejection{}
	for _, p := range prej {
		f.PlayRejections = append(f.PlayRejections, PlayRejection{Play: p.Play, Action: p.Action,
			AccountID: p.AccountID, Transition: p.Transition, Code: p.Code, Message: p.Message, Created: p.Created})
	}

	if f.Pending, err = db.OutboxDepth(ctx); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	pending, err := db.Outbox(ctx, limit)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	f.Outbox = []Pending{}
	for _, o := range pending {
		p := Pending{AccountID: o.AccountID, WriteTags: o.WriteTags, WriteStatus: o.WriteStatus,
			Attempts: o.Attempts, LastError: o.LastError, NextAttempt: o.NextAttempt}
		if o.WriteTags {
			p.Tags = o.Tags
		}
		if o.WriteStatus {
			p.Status = o.Status
		}
		f.Outbox = append(f.Outbox, p)
	}
	return nil
}

func runOf(r store.Run) Run {
	return Run{ID: r.ID, Kind: r.Kind, Started: r.Started, Ended: r.Ended, AsOf: r.AsOf, Pulled: r.Pulled,
		Computed: r.Computed, Changed: r.Changed, Written: r.Written, Failed: r.Failed, Rejected: r.Rejected,
		Drift: r.Drift, Deleted: r.Deleted, APICalls: r.APICalls, Outcome: r.Outcome, Error: r.Error}
}

// listLen maps a list option to a store limit: 0 is the default, < 0 none.
func listLen(n, def int) int {
	switch {
	case n == 0:
		return def
	case n < 0:
		return 0
	}
	return n
}
