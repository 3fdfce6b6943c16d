package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/lifecycled/lifecycled/config"
	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
	"github.com/lifecycled/lifecycled/internal/store"
	"github.com/lifecycled/lifecycled/mapping"
)

// Demo credentials of the in-process emulator; they never leave the process.
const (
	demoClientID     = "lifecycled-demo"
	demoClientSecret = "demo-client-secret"
)

// runDemo is `lifecycled demo`: the emulator in-process with generated
// accounts, the daemon against it with the default config, and the status
// counts after every cycle. Between cycles it edits a few accounts as
// Salesforce users would, so each cycle has something to do, and simulates
// the days that pass (sftest.Simulator: renewals, churn, new accounts);
// --days runs that many simulated days back to back first. Without
// --state its state lives in a temporary directory removed on exit.
func runDemo(ctx context.Context, args []string, s stdio) error {
	fs := newFlagSet("demo", "demo [--accounts N] [--days N] [--cycles N] [--interval D] [--state FILE] [--listen ADDR]", s)
	var lf logFlags
	lf.register(fs)
	accounts := fs.Int("accounts", 5000, "accounts the emulator generates")
	seed := fs.Int64("seed", 1, "seed for the generated accounts")
	cycles := fs.Int("cycles", 0, "exit after this many cycles (0: run until interrupted)")
	interval := fs.Duration("interval", 10*time.Second, "time between cycles")
	statePath := fs.String("state", "", "state file, kept after the demo (default: a new file in a temporary directory, removed on exit)")
	listen := fs.String("listen", "127.0.0.1:9090", "address of the dashboard, metrics and health endpoints")
	daysPerCycle := fs.Int("days-per-cycle", 1, "simulated days between cycles, so accounts move through their lifecycle (0: real time)")
	fastDays := fs.Int("days", 0, "first run this many cycles back to back, one simulated day each (renewals, churn, new accounts), then go on at --interval")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	secrets := &secretSet{}
	secrets.add(demoClientSecret)
	logger, err := newLogger(s.err, lf, secrets)
	if err != nil {
		return err
	}
	installLogger(logger)

	clk := &demoClock{real: time.Now}
	srv := sftest.NewServer(sftest.Options{
		ClientID: demoClientID, ClientSecret: demoClientSecret,
		Accounts: *accounts, Seed: *seed, Now: clk.Now,
	})
	defer srv.Close()
	logger.Info("salesforce emulator started", "url", srv.URL(), "accounts", *accounts)

	stateNote := ""
	if *statePath == "" {
		// A state file of the demo's own goes when the demo does; the
		// deferred removal runs after the Main below is closed.
		dir, err := os.MkdirTemp("", "lifecycled-demo-")
		if err != nil {
			return err
		}
		defer func() {
			if err := os.RemoveAll(dir); err != nil {
				logger.Warn("remove the demo's state", "dir", dir, "error", err)
			}
		}()
		*statePath = filepath.Join(dir, "lifecycled.db")
		stateNote = " (removed on exit; --state FILE keeps it)"
	} else if err := os.MkdirAll(filepath.Dir(*statePath), 0o700); err != nil {
		return fmt.Errorf("--state: %w", err)
	}
	cfg := demoConfig(srv.URL(), *statePath, *listen, *interval)
	m := NewMain(cfg, logger, secrets)
	defer m.Close()
	if err := m.Open(ctx, true); err != nil {
		return err
	}
	m.Store.Now = clk.Now
	m.Engine.Now = clk.Now
	// The endpoint sees the demo clock, so the dashboard's days match the
	// simulated ones. That clock jumps a day before each cycle, so /readyz
	// reads "not ready" while a demo cycle runs.
	web, err := m.serve(clk.Now, nil)
	if err != nil && !flagSet(fs, "listen") {
		// The default port is taken (another demo, or the daemon itself):
		// the demo still runs, on a free port.
		logger.Warn("dashboard address in use; using a free port", "listen", cfg.Server.Listen, "error", err)
		cfg.Server.Listen = "127.0.0.1:0"
		web, err = m.serve(clk.Now, nil)
	}
	if err != nil {
		return err
	}
	defer closeServer(web)
	fmt.Fprintf(s.out, "lifecycled demo: %d accounts in the emulator at %s; state in %s%s\n", *accounts, srv.URL(), *statePath, stateNote)
	fmt.Fprintf(s.out, "dashboard: http://%s/\n", web.Addr())

	rng := rand.New(rand.NewPCG(uint64(*seed), 2))
	sim := sftest.NewSimulator(srv, *seed)
	sim.NewPerDay = float64(*accounts) / 1000
	t := time.NewTicker(*interval)
	defer t.Stop()
	for n := 1; *cycles == 0 || n <= *cycles; n++ {
		fast := n <= *fastDays
		if n > 1 {
			if !fast {
				select {
				case <-ctx.Done():
					return nil
				case <-t.C:
				}
			} else if ctx.Err() != nil {
				return nil
			}
			days := *daysPerCycle
			if fast {
				days = 1
			}
			for range days {
				clk.skip(24 * time.Hour)
				if _, err := sim.Day(clk.Now()); err != nil {
					return err
				}
			}
			sim.Touch(rng, *accounts/100+1)
		}
		r, err := m.Engine.Cycle(ctx)
		m.afterCycle(ctx, r)
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("cycle %d: %w", n, err)
		}
		fmt.Fprintf(s.out, "\ncycle %d, %s (%s, %s): pulled %d, changed %d, written %d, rejected %d, api calls %d\n",
			n, clk.Now().Format(time.DateOnly), r.Kind, r.Outcome, r.Pulled, r.Changed, r.Written, r.Rejected, r.APICalls)
		if fast && n < *fastDays {
			continue // the counts of the fast days would scroll by unread
		}
		// The counts are printed even when a signal cut the cycle short.
		if err := printCounts(context.WithoutCancel(ctx), s.out, m.Store); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
	}
	return nil
}

// demoConfig is the default config pointed at the emulator.
func demoConfig(url, statePath, listen string, interval time.Duration) *config.Config {
	cfg := config.Default()
	cfg.Path = "(demo)"
	cfg.Salesforce.LoginURL = url
	cfg.Salesforce.Auth.Flow = "client_credentials"
	cfg.Salesforce.Auth.ClientID = demoClientID
	cfg.Salesforce.Auth.ClientSecret = demoClientSecret
	cfg.State.Path = statePath
	cfg.Server.Listen = listen
	cfg.Sync.Interval = interval
	// Each demo cycle is a simulated day: a weekly full pull leaves the
	// other cycles incremental, as a daemon's cycles mostly are.
	cfg.Sync.FullResync = 7 * 24 * time.Hour
	// The emulator's accounts carry a contract value: the dashboard shows
	// money from the first cycle.
	cfg.Fields = append(cfg.Fields, mapping.Field{Name: "arr", APIName: "ARR__c", Type: mapping.TypeNumber})
	return cfg
}

// printCounts prints how many accounts stand in each status.
func printCounts(ctx context.Context, w io.Writer, db *store.DB) error {
	counts, err := db.StatusCounts(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "Account Lifecycle Status\tAccounts\t")
	for _, k := range sortedKeys(counts) {
		name := k
		if name == "" {
			name = "(none: not paying or no start date)"
		}
		fmt.Fprintf(tw, "%s\t%d\t\n", name, counts[k])
	}
	return tw.Flush()
}

// demoClock is real time shifted forward by the simulated days that have
// passed, shared by the emulator and the daemon so that SystemModstamps and
// "today" agree.
type demoClock struct {
	mu    sync.Mutex
	shift time.Duration
	real  func() time.Time
}

func (c *demoClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.real().Add(c.shift)
}

func (c *demoClock) skip(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.shift += d
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
