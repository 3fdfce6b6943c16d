package engine_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/config"
	"github.com/lifecycled/lifecycled/connectors/salesforce"
	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
	"github.com/lifecycled/lifecycled/internal/engine"
	"github.com/lifecycled/lifecycled/internal/oracle"
	"github.com/lifecycled/lifecycled/internal/store"
	"github.com/lifecycled/lifecycled/mapping"
	"github.com/prometheus/client_golang/prometheus"
)

// harness is one emulator, one state file and one engine.
type harness struct {
	t      testing.TB
	clock  *sftest.Clock
	srv    *sftest.Server
	db     *store.DB
	crm    *salesforce.Client
	engine *engine.Engine
	cfg    *config.Config

	// foreign holds each generated account's foreign tags, which no cycle
	// may lose or reorder.
	foreign map[string]string

	// tune, when set, adjusts the engine's options before each open.
	tune func(*engine.Options)
	// orgRules makes open read what a daemon reads at start: the tags
	// field's length and the record types.
	orgRules bool
	// wrap, when set, stands between the engine and the connector, to
	// inject what the emulator cannot do at the right moment.
	wrap func(*salesforce.Client) engine.CRM
}

const (
	testClientID     = "engine-test-client"
	testClientSecret = "engine-test-secret-value"
)

// start is a fixed moment for tests: a Monday morning in UTC.
var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func newHarness(t testing.TB, accounts int, faults sftest.Faults) *harness {
	t.Helper()
	return newHarnessWith(t, sftest.Options{Accounts: accounts, Faults: faults}, nil)
}

// newHarnessWith starts an emulator with opts (its credentials, seed and
// clock are the harness's) and, when h.orgRules is wanted, reads the
// org's rules at each open.
func newHarnessWith(t testing.TB, opts sftest.Options, setup func(*harness)) *harness {
	t.Helper()
	// Each reading moves a millisecond, so timestamps stay ordered.
	clk := sftest.NewClock(start)
	clk.Tick = time.Millisecond
	opts.ClientID, opts.ClientSecret, opts.Seed, opts.Now = testClientID, testClientSecret, 7, clk.Now
	srv := sftest.NewServer(opts)
	t.Cleanup(srv.Close)
	cfg := config.Default()
	cfg.Salesforce.LoginURL = srv.URL()
	cfg.Salesforce.Auth.ClientID = testClientID
	cfg.Salesforce.Auth.ClientSecret = testClientSecret
	cfg.State.Path = filepath.Join(t.TempDir(), "state.db")

	h := &harness{t: t, clock: clk, srv: srv, cfg: cfg, foreign: map[string]string{}}
	for _, rec := range srv.Records("Account") {
		h.foreign[rec["Id"].(string)] = strings.Join(oracle.Foreign(rec[oracle.Tags], ";"), ";")
	}
	if setup != nil {
		setup(h)
	}
	h.open()
	return h
}

// open opens the store, the connector and the engine (again, after close).
func (h *harness) open() {
	h.t.Helper()
	cfg := h.cfg
	h.db = store.New(cfg.State.Path)
	h.db.Now = h.clock.Now
	if err := h.db.Open(); err != nil {
		h.t.Fatalf("open store: %v", err)
	}
	h.t.Cleanup(func() { h.db.Close() })
	h.crm = salesforce.New(salesforce.Options{
		LoginURL: cfg.Salesforce.LoginURL, APIVersion: cfg.Salesforce.APIVersion,
		Flow: "client_credentials", ClientID: testClientID, ClientSecret: testClientSecret,
		Retry:       salesforce.RetryPolicy{InitialInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond, MaxElapsedTime: 2 * time.Second},
		MaxAPIShare: cfg.Sync.MaxAPIShare,
	})
	if err := h.crm.Open(context.Background()); err != nil {
		h.t.Fatalf("open connector: %v", err)
	}
	def := cfg.Definition()
	opts := engine.Options{
		Object: "Account", Where: cfg.Salesforce.Where, BatchSize: cfg.Sync.BatchSize, Location: time.UTC,
		Interval: time.Minute, FullResync: 24 * time.Hour,
		RulesVersion: cfg.RulesVersion(), ScopeVersion: cfg.ScopeVersion(),
	}
	if h.orgRules {
		ctx := context.Background()
		desc, err := h.crm.Describe(ctx, "Account")
		if err != nil {
			h.t.Fatalf("describe: %v", err)
		}
		for _, f := range desc.Fields {
			if f.Name == def.TagsField {
				def.TagsMaxLen = f.Length
			}
		}
		opts.RecordTypes, opts.DefaultRecordType, err = engine.ReadRecordTypes(ctx, h.crm, "Account", desc, def.StatusField)
		if err != nil {
			h.t.Fatalf("record types: %v", err)
		}
	}
	if h.tune != nil {
		h.tune(&opts)
	}
	pack, err := mapping.Compile(def)
	if err != nil {
		h.t.Fatalf("compile rules: %v", err)
	}
	var crm engine.CRM = h.crm
	if h.wrap != nil {
		crm = h.wrap(h.crm)
	}
	h.engine = engine.New(h.db, crm, pack, opts, nil, prometheus.NewRegistry())
	h.engine.Now = h.clock.Now
}

func (h *harness) close() {
	h.crm.Close()
	h.db.Close()
}

// cycle runs one cycle and fails the test on error.
func (h *harness) cycle() store.Run {
	h.t.Helper()
	r, err := h.engine.Cycle(context.Background())
	if err != nil {
		h.t.Fatalf("cycle: %v (run %+v)", err, r)
	}
	return r
}

// checkAll compares every account in the emulator with the oracle's
// expectation for the clock's date and returns the number of mismatches.
func (h *harness) checkAll() int {
	h.t.Helper()
	today := h.clock.Now()
	bad := 0
	for _, rec := range h.srv.Records("Account") {
		msg := oracle.Gap(rec, today)
		if want, ok := h.foreign[rec["Id"].(string)]; ok && msg == "" {
			if got := strings.Join(oracle.Foreign(rec[oracle.Tags], ";"), ";"); got != want {
				msg = "foreign tags " + got + ", want " + want
			}
		}
		if msg != "" {
			bad++
			if bad <= 5 {
				h.t.Errorf("account %v: %s", rec["Id"], msg)
			}
		}
	}
	return bad
}
