package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/lifecycled/lifecycled/config"
	"github.com/lifecycled/lifecycled/connectors/salesforce"
	"github.com/lifecycled/lifecycled/internal/plays"
	"github.com/lifecycled/lifecycled/internal/store"
)

// The plays need these of the connector.
var _ plays.CRM = (*salesforce.Client)(nil)

// mainCRM hands the plays whatever client the Main holds now: the daemon
// dials a new one after a connection failure.
type mainCRM struct{ m *Main }

func (c mainCRM) Create(ctx context.Context, object string, records []map[string]any) ([]salesforce.Result, error) {
	return c.m.CRM.Create(ctx, object, records)
}

func (c mainCRM) Query(ctx context.Context, soql string, fn func([]salesforce.Record) error) error {
	return c.m.CRM.Query(ctx, soql, fn)
}

// resolvePlays returns the config's plays with each webhook's secret_file
// read into its secret, and teaches the log redactor the secrets.
func resolvePlays(cfg *config.Config, secrets *secretSet) ([]config.Play, error) {
	out := make([]config.Play, len(cfg.Plays))
	for i, p := range cfg.Plays {
		out[i] = p
		out[i].Actions = make([]config.PlayAction, len(p.Actions))
		for j, a := range p.Actions {
			if a.Webhook != nil {
				w := *a.Webhook
				if w.SecretFile != "" {
					b, err := config.ReadSecretFile(w.SecretFile)
					if err != nil {
						return nil, fmt.Errorf("%s: plays[%d].actions[%d].webhook.secret_file: %w", p.Source, i, j, err)
					}
					w.Secret = string(b)
				}
				if secrets != nil {
					secrets.add(w.Secret)
				}
				a.Webhook = &w
			}
			out[i].Actions[j] = a
		}
	}
	return out, nil
}

// newPlays builds the plays runner of m's config on db.
func (m *Main) newPlays(db *store.DB, backfill bool) (*plays.Runner, error) {
	ps, err := resolvePlays(m.Config, m.Secrets)
	if err != nil {
		return nil, err
	}
	return plays.New(db, mainCRM{m}, plays.Options{
		Plays: ps, Definition: m.Config.Definition(), Backfill: backfill,
		Logger: m.Logger, Registerer: m.Registry,
	})
}

// runPlays runs the plays after a cycle: the runner is built once.
func (m *Main) runPlays(ctx context.Context) error {
	if len(m.Config.Plays) == 0 || m.Store == nil || m.CRM == nil {
		return nil
	}
	if m.plays == nil {
		r, err := m.newPlays(m.Store, m.backfill)
		if err != nil {
			return err
		}
		m.plays = r
	}
	start := time.Now()
	s, err := m.plays.Run(ctx)
	if s.Enqueued+s.Sent+s.Rejected+s.Retry > 0 {
		m.Logger.Info("plays", "enqueued", s.Enqueued, "sent", s.Sent, "rejected", s.Rejected, "retry", s.Retry,
			"duration", time.Since(start).Round(time.Millisecond).String())
	}
	return err
}

// planPlays counts the tasks and webhooks the next cycle would send, from
// the state file (read-only); none without a state file.
func (m *Main) planPlays(ctx context.Context) (plays.Plan, error) {
	if len(m.Config.Plays) == 0 {
		return plays.Plan{}, nil
	}
	db, err := openStateReadOnly(m.Config.State.Path)
	if err != nil {
		return plays.Plan{}, nil // no state yet: nothing recorded to act on
	}
	defer db.Close()
	r, err := m.newPlays(db, false)
	if err != nil {
		return plays.Plan{}, err
	}
	return r.Plan(ctx)
}

// writePlayActions lists play actions for status and explain.
func writePlayActions(w io.Writer, acts []store.PlayAction) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "UPDATED\tPLAY\tACTION\tACCOUNT\tTRANSITION\tSTATE\tRESULT")
	for _, a := range acts {
		res := a.Result
		if a.State != store.PlaySent && a.Code != "" {
			res = a.Code + ": " + a.Message
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Updated.Format(time.DateTime), a.Play, a.Action, a.AccountID,
			a.Transition, a.State, res)
	}
	return tw.Flush()
}

// writePlaysStatus is the plays section of `status`: counts by state and
// the most recent actions.
func writePlaysStatus(ctx context.Context, w io.Writer, db *store.DB, limit int) error {
	counts, err := db.CountPlays(ctx)
	if err != nil {
		return err
	}
	if len(counts) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\nPlays: %d sent, %d rejected, %d pending.\n", counts[store.PlaySent], counts[store.PlayRejected], counts[store.PlayPending])
	recent, err := db.RecentPlays(ctx, limit)
	if err != nil {
		return err
	}
	if err := writePlayActions(w, recent); err != nil {
		return err
	}
	if counts[store.PlayRejected] == 0 {
		return nil
	}
	rejected, err := db.PlayRejections(ctx, limit)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nPlay rejections (%d, the most recent %d; fix the cause in Salesforce, the play does not retry):\n",
		counts[store.PlayRejected], len(rejected))
	return writePlayActions(w, rejected)
}
