// Package plays runs success plays: when an account makes a transition
// the engine recorded in the store's history (it enters or leaves a
// status, gains or loses a managed tag), each play whose trigger and
// condition match acts once: it creates a Salesforce Task or POSTs a
// webhook.
//
// The store is the only memory. Transitions are read after a cursor kept
// per play; each (play, transition, action) becomes a row of the plays
// outbox with a deterministic key, enqueued in the same transaction that
// moves the cursor. Tasks carry the key in a custom text field
// (Lifecycled_Play_Key__c) and are created in batches of up to 200
// through sObject Collections only after a query for the keys that
// already exist: a create whose answer was lost (a connection reset after
// Salesforce processed it, a kill -9 before the outcome was committed) is
// found by that query instead of being created again. Webhooks are
// delivered at least once with an Idempotency-Key header.
package plays

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/lifecycled/lifecycled/config"
	"github.com/lifecycled/lifecycled/connectors/salesforce"
	"github.com/lifecycled/lifecycled/internal/store"
	"github.com/lifecycled/lifecycled/mapping"
	"github.com/prometheus/client_golang/prometheus"
)

// CRM is what plays need of Salesforce.
type CRM interface {
	Create(ctx context.Context, object string, records []map[string]any) ([]salesforce.Result, error)
	Query(ctx context.Context, soql string, fn func(page []salesforce.Record) error) error
}

// DefaultKeyField is the Task custom field that holds a play's key.
const DefaultKeyField = "Lifecycled_Play_Key__c"

// Options configure a Runner.
type Options struct {
	Plays      []config.Play      // webhook secrets resolved (Secret set from SecretFile)
	Definition mapping.Definition // the rules: fields, derived values and the reason of explain
	// Backfill makes a play seen for the first time start at the
	// history's beginning instead of its end.
	Backfill   bool
	KeyField   string // default DefaultKeyField
	Logger     *slog.Logger
	Registerer prometheus.Registerer // lifecycled_plays_total; nil: none
	HTTPClient *http.Client          // webhooks; default a client without a global timeout (each attempt has its own)
	Now        func() time.Time      // default time.Now
}

// Runner runs the plays of a config against one store and one CRM.
type Runner struct {
	db      *store.DB
	crm     CRM
	opts    Options
	plays   []*play
	byName  map[string]*play
	log     *slog.Logger
	metrics *prometheus.CounterVec
}

// New compiles the plays (their conditions against the rules, their
// templates). Errors name the play's place in the config file.
func New(db *store.DB, crm CRM, opts Options) (*Runner, error) {
	if opts.KeyField == "" {
		opts.KeyField = DefaultKeyField
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	r := &Runner{db: db, crm: crm, opts: opts, byName: map[string]*play{}, log: opts.Logger.With("component", "plays")}
	base, err := mapping.Compile(opts.Definition)
	if err != nil {
		return nil, fmt.Errorf("plays: rules: %w", err)
	}
	for _, cp := range opts.Plays {
		p, err := compile(cp, opts.Definition, base)
		if err != nil {
			return nil, err
		}
		r.plays = append(r.plays, p)
		r.byName[p.Name] = p
	}
	r.metrics = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lifecycled_plays_total",
		Help: "Play actions by play, action (task, webhook) and outcome (sent, found, rejected, retry).",
	}, []string{"play", "action", "outcome"})
	if opts.Registerer != nil {
		if err := opts.Registerer.Register(r.metrics); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, fmt.Errorf("plays: metrics: %w", err)
			}
			r.metrics = are.ExistingCollector.(*prometheus.CounterVec)
		}
	}
	return r, nil
}

// Summary is what one Run did.
type Summary struct {
	Enqueued int // actions added to the outbox
	Sent     int // tasks created and webhooks delivered (or found already there)
	Rejected int // permanent failures
	Retry    int // left for a later run
}

// Run enqueues the actions of the transitions recorded since the last run,
// then delivers what is due: tasks first, then webhooks. A delivery
// failure is counted and left for a later run; the error is for the
// store (or a canceled ctx) only.
func (r *Runner) Run(ctx context.Context) (Summary, error) {
	var sum Summary
	if len(r.plays) == 0 {
		return sum, nil
	}
	n, err := r.enqueue(ctx, false)
	sum.Enqueued = n.tasks + n.webhooks
	if err != nil {
		return sum, err
	}
	if err := r.deliverTasks(ctx, &sum); err != nil {
		return sum, err
	}
	if err := r.deliverWebhooks(ctx, &sum); err != nil {
		return sum, err
	}
	return sum, nil
}

// Plan is how many tasks and webhooks the next run would send: those
// pending in the outbox and those the transitions not yet read would add.
type Plan struct {
	Tasks, Webhooks int
}

// Plan counts what the next Run would send, without changing anything.
func (r *Runner) Plan(ctx context.Context) (Plan, error) {
	var p Plan
	if len(r.plays) == 0 {
		return p, nil
	}
	n, err := r.enqueue(ctx, true)
	if err != nil {
		return p, err
	}
	pending, err := r.db.CountPendingPlays(ctx)
	if err != nil {
		return p, err
	}
	return Plan{Tasks: n.tasks + pending["task"], Webhooks: n.webhooks + pending["webhook"]}, nil
}

func (r *Runner) count(p, action, outcome string) {
	r.metrics.WithLabelValues(p, action, outcome).Inc()
}

// Metrics returns lifecycled_plays_total.
func (r *Runner) Metrics() *prometheus.CounterVec { return r.metrics }
