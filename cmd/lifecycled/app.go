package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/lifecycled/lifecycled/config"
	"github.com/lifecycled/lifecycled/connectors/salesforce"
	"github.com/lifecycled/lifecycled/internal/engine"
	"github.com/lifecycled/lifecycled/internal/plays"
	"github.com/lifecycled/lifecycled/internal/store"
	"github.com/lifecycled/lifecycled/mapping"
	"github.com/prometheus/client_golang/prometheus"
)

// The engine needs these of the connector.
var _ engine.CRM = (*salesforce.Client)(nil)

// common holds the flags every config-reading command takes.
type common struct {
	configPath string
	log        logFlags
	// offline commands (status, report, history) never contact Salesforce,
	// so they load the config without requiring its credentials.
	offline bool
	// backfill (run and sync): plays added to the config fire for the
	// transitions already recorded, not only for later ones.
	backfill bool
}

func (c *common) register(fs *flag.FlagSet) {
	c.configPath = envOr("LIFECYCLED_CONFIG", "./lifecycled.yaml")
	fs.StringVar(&c.configPath, "config", c.configPath, "read the config from `FILE` (env LIFECYCLED_CONFIG)")
	c.log.register(fs)
}

// setup loads the config and builds the logger, which knows the config's
// secrets so that no log line shows them.
func (c *common) setup(s stdio) (*config.Config, *slog.Logger, *secretSet, error) {
	cfg, err := c.load()
	if err != nil {
		return nil, nil, nil, err
	}
	secrets := &secretSet{}
	a := cfg.Salesforce.Auth
	secrets.add(a.ClientSecret, a.Password, a.RefreshToken)
	logger, err := newLogger(s.err, c.log, secrets)
	if err != nil {
		return nil, nil, nil, err
	}
	installLogger(logger)
	return cfg, logger, secrets, nil
}

// load reads and validates the config file.
func (c *common) load() (*config.Config, error) {
	load := config.Load
	if c.offline {
		load = config.LoadOffline
	}
	cfg, err := load(c.configPath, os.LookupEnv)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("config file %s not found (use --config FILE or LIFECYCLED_CONFIG; config/example.yaml documents every key)", c.configPath)
	}
	return cfg, err
}

// Main wires lifecycled's parts for the commands that talk to Salesforce.
// Tests build one with a config of their own and call Open, as main does.
type Main struct {
	Config     *config.Config
	Logger     *slog.Logger
	Secrets    *secretSet
	Registry   *prometheus.Registry
	HTTPClient *http.Client // optional transport for the CRM

	Store  *store.DB
	CRM    *salesforce.Client
	Pack   *mapping.Pack
	Engine *engine.Engine

	plays    *plays.Runner // built on the first afterCycle (plays.go)
	backfill bool          // --backfill: new plays fire for past transitions too

	auth        config.Auth // the auth settings with their secrets resolved
	key         []byte      // the JWT signing key
	recordTypes map[string]engine.RecordType
	defaultRT   string
}

// NewMain returns a Main for cfg. It does no I/O.
func NewMain(cfg *config.Config, logger *slog.Logger, secrets *secretSet) *Main {
	if secrets == nil {
		secrets = &secretSet{}
	}
	return &Main{Config: cfg, Logger: logger, Secrets: secrets, Registry: prometheus.NewRegistry()}
}

// Open resolves the secrets, authenticates and checks the config against the
// org's describe result; any error-level problem stops it. withStore also
// opens the state file first (its lock keeps a second daemon out, and it
// holds a rotated refresh token).
func (m *Main) Open(ctx context.Context, withStore bool) error {
	problems, err := m.Connect(ctx, withStore)
	if err != nil {
		return err
	}
	return m.judge(problems)
}

// judge logs the warnings among problems and fails on the first error.
func (m *Main) judge(problems []engine.Problem) error {
	var errs []string
	for _, p := range problems {
		if p.Warning {
			m.Logger.Warn("config and org disagree", "field", p.Field, "problem", p.Message)
			continue
		}
		errs = append(errs, p.Field+": "+p.Message)
	}
	if len(errs) > 0 {
		return fmt.Errorf("config does not fit the org (%d problems; run 'lifecycled validate --remote'): %s", len(errs), errs[0])
	}
	return nil
}

// Connect opens the store (when withStore), authenticates, reads the object's
// describe result, compiles the rules and builds the engine. It returns what
// the describe check found, for Open or validate to judge.
func (m *Main) Connect(ctx context.Context, withStore bool) ([]engine.Problem, error) {
	if err := m.prepare(withStore); err != nil {
		return nil, err
	}
	problems, err := m.dial(ctx)
	if err != nil {
		return nil, err
	}
	m.buildEngine()
	return problems, nil
}

// prepare resolves the secrets and, when withStore (or with the
// refresh_token flow), opens the state file: everything before the first
// request to Salesforce. Its errors are the operator's to fix, not to wait
// out.
func (m *Main) prepare(withStore bool) (err error) {
	cfg := m.Config
	m.auth, err = cfg.Salesforce.Auth.ResolveSecrets(config.ReadSecretFile)
	if err != nil {
		return err
	}
	if f := m.auth.PrivateKeyFile; f != "" {
		if m.key, err = config.ReadSecretFile(f); err != nil {
			return fmt.Errorf("salesforce.auth.private_key_file: %w", err)
		}
	}
	m.Secrets.add(m.auth.ClientSecret, m.auth.Password, m.auth.RefreshToken, string(m.key))

	// With the refresh_token flow every command keeps the token in the state
	// file: Salesforce may rotate it on use, revoking the one the daemon
	// holds, so a command that authenticated on its own would strand the
	// daemon (and the next start) with a dead token.
	if m.auth.Flow == "refresh_token" && !withStore {
		withStore = true
		defer func() {
			if errors.Is(err, store.ErrLocked) {
				err = fmt.Errorf("%w: with the refresh_token flow, commands share the daemon's refresh token through the state file; stop the daemon first, or use the client_credentials or jwt_bearer flow", err)
			}
		}()
	}
	if withStore && m.Store == nil {
		if m.Store, err = openStateFile(cfg.State.Path, m.Logger); err != nil {
			return err
		}
	}
	return nil
}

// dial makes a new Salesforce client, authenticates, reads the object's
// describe result and its record types, and compiles the rules with the
// tags field's length. It returns what the describe check found. A failed
// dial leaves no client open, so the daemon can dial again.
func (m *Main) dial(ctx context.Context) (problems []engine.Problem, err error) {
	cfg, a := m.Config, m.auth
	var tokens salesforce.TokenStore
	if m.Store != nil {
		tokens = &tokenStore{db: m.Store, secrets: m.Secrets}
	}
	if m.CRM != nil {
		m.CRM.Close()
	}
	m.CRM = salesforce.New(salesforce.Options{
		LoginURL: cfg.Salesforce.LoginURL, APIVersion: cfg.Salesforce.APIVersion,
		Flow: a.Flow, ClientID: a.ClientID, ClientSecret: a.ClientSecret,
		Username: a.Username, Password: a.Password, RefreshToken: a.RefreshToken,
		PrivateKeyPEM: m.key, JWTAudience: a.Audience, Tokens: tokens, HTTPClient: m.HTTPClient,
		EnforceDuplicateRules: !cfg.Salesforce.AllowSaveOnDuplicates,
		MaxAPIShare:           cfg.Sync.MaxAPIShare,
		Logger:                m.Logger.With("component", "salesforce"),
	})
	if err := m.CRM.Open(ctx); err != nil {
		return nil, fmt.Errorf("connect to salesforce: %w", err)
	}
	obj := cfg.Salesforce.Object
	desc, err := m.CRM.Describe(ctx, obj)
	if err != nil {
		return nil, err
	}
	def := cfg.Definition()
	for _, f := range desc.Fields {
		if f.Name == def.TagsField && f.Length > 0 {
			def.TagsMaxLen = f.Length
		}
	}
	if m.Pack, err = mapping.Compile(def); err != nil {
		return nil, err
	}
	if m.recordTypes, m.defaultRT, err = engine.ReadRecordTypes(ctx, m.CRM, obj, desc, def.StatusField); err != nil {
		return nil, err
	}
	problems = engine.CheckSchema(m.Pack, desc)
	return append(problems, engine.CheckRecordTypes(m.Pack, m.recordTypes)...), nil
}

// buildEngine builds the engine once, on the first successful dial; it
// registers the engine's metrics.
func (m *Main) buildEngine() {
	if m.Engine != nil {
		return
	}
	cfg := m.Config
	scope := cfg.ScopeVersion()
	if len(m.recordTypes) > 0 {
		scope += "+record-types" // RecordTypeId joins the pulled fields
	}
	m.Engine = engine.New(m.Store, m.CRM, m.Pack, engine.Options{
		Object: cfg.Salesforce.Object, Where: cfg.Salesforce.Where,
		BatchSize: cfg.Sync.BatchSize, MaxAPIShare: cfg.Sync.MaxAPIShare,
		Location: cfg.Sync.Location, Interval: cfg.Sync.Interval, FullResync: cfg.Sync.FullResync,
		RulesVersion: cfg.RulesVersion(), ScopeVersion: scope,
		RecordTypes: m.recordTypes, DefaultRecordType: m.defaultRT,
		RetryRejectedAfter: cfg.Sync.RetryRejectedAfter,
		BulkThreshold:      cfg.Sync.BulkThreshold, BulkWriteThreshold: cfg.Sync.BulkWriteThreshold,
	}, m.Logger, m.Registry)
	// "Today" is Salesforce's date in sync.timezone: the org's clock, as
	// its responses tell it, decides the as-of date, not the host's.
	m.Engine.Now = m.CRM.ServerNow
}

// Close closes what Open opened. It is safe to call more than once.
func (m *Main) Close() error {
	var errs []error
	if m.CRM != nil {
		errs = append(errs, m.CRM.Close())
	}
	if m.Store != nil {
		errs = append(errs, m.Store.Close())
	}
	return errors.Join(errs...)
}

// tokenStore keeps a rotated refresh token in the state file and teaches the
// log redactor its value.
type tokenStore struct {
	db      *store.DB
	secrets *secretSet
}

func (t *tokenStore) RefreshToken(ctx context.Context) (string, error) {
	tok, err := t.db.RefreshToken(ctx)
	t.secrets.add(tok)
	return tok, err
}

func (t *tokenStore) SaveRefreshToken(ctx context.Context, tok string) error {
	t.secrets.add(tok)
	return t.db.SaveRefreshToken(ctx, tok)
}

// asOfFlag parses --as-of, defaulting to today in the configured zone.
func asOfFlag(s string, cfg *config.Config) (mapping.Date, error) {
	if s == "" {
		return mapping.DateIn(time.Now(), cfg.Sync.Location), nil
	}
	d, err := mapping.ParseDate(s)
	if err != nil {
		return d, fmt.Errorf("--as-of %q: want YYYY-MM-DD", s)
	}
	return d, nil
}

// connect loads the config, builds the logger and opens a Main: the start of
// every command that talks to Salesforce. The caller closes the Main, which
// is returned (to be closed) even when opening failed.
func (c *common) connect(ctx context.Context, s stdio, withStore bool) (*Main, error) {
	cfg, logger, secrets, err := c.setup(s)
	if err != nil {
		return nil, err
	}
	m := NewMain(cfg, logger, secrets)
	if err := m.Open(ctx, withStore); err != nil {
		return m, err
	}
	return m, nil
}

// openState loads the config and opens its state file read-only, without the
// daemon's lock: the start of the commands that only read the state.
func (c *common) openState(s stdio) (*config.Config, *store.DB, error) {
	cfg, _, _, err := c.setup(s)
	if err != nil {
		return nil, nil, err
	}
	db, err := openStateReadOnly(cfg.State.Path)
	if err != nil {
		return nil, nil, err
	}
	return cfg, db, nil
}
