package plays_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/config"
	"github.com/lifecycled/lifecycled/connectors/salesforce"
	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
	"github.com/lifecycled/lifecycled/internal/plays"
	"github.com/lifecycled/lifecycled/internal/store"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

const (
	clientID = "plays-test-client"
	secret   = "plays-test-secret"
	risk     = "Renewal-High Risk"
	poor     = "90 Day OnBoard-Poor"
	good     = "90 Day OnBoard-Good"
)

// receiver is a webhook endpoint that checks signatures and counts
// deliveries per idempotency key; fail makes the next n deliveries 503.
type receiver struct {
	mu     sync.Mutex
	seen   map[string]int
	bad    int
	fail   int
	bodies map[string]plays.WebhookBody
}

func (rv *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rv.mu.Lock()
	defer rv.mu.Unlock()
	if r.Header.Get(plays.SignatureHeader) != plays.Sign([]byte("hook-secret"), body) {
		rv.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if rv.fail > 0 {
		rv.fail--
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	k := r.Header.Get(plays.IdempotencyKeyHeader)
	rv.seen[k]++
	var b plays.WebhookBody
	json.Unmarshal(body, &b) //nolint:errcheck
	rv.bodies[k] = b
}

type fixture struct {
	t    *testing.T
	srv  *sftest.Server
	db   *store.DB
	crm  *salesforce.Client
	rv   *receiver
	hook string
	reg  *prometheus.Registry
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clk := sftest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	srv := sftest.NewServer(sftest.Options{ClientID: clientID, ClientSecret: secret, Accounts: 30, Seed: 3, Now: clk.Now})
	t.Cleanup(srv.Close)
	crm := salesforce.New(salesforce.Options{LoginURL: srv.URL(), APIVersion: "62.0", Flow: salesforce.FlowClientCredentials,
		ClientID: clientID, ClientSecret: secret,
		Retry: salesforce.RetryPolicy{InitialInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond, MaxElapsedTime: time.Second}})
	if err := crm.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { crm.Close() })
	db := store.New(filepath.Join(t.TempDir(), "state.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var changes []store.Change
	for _, rec := range srv.Records("Account") {
		raw, _ := json.Marshal(rec)
		changes = append(changes, store.Change{Account: store.Account{ID: rec["Id"].(string), Record: raw, AsOf: "2026-03-02"}})
	}
	if err := db.Apply(context.Background(), changes); err != nil {
		t.Fatal(err)
	}
	rv := &receiver{seen: map[string]int{}, bodies: map[string]plays.WebhookBody{}}
	hs := httptest.NewServer(rv)
	t.Cleanup(hs.Close)
	return &fixture{t: t, srv: srv, db: db, crm: crm, rv: rv, hook: hs.URL, reg: prometheus.NewRegistry()}
}

func (f *fixture) config() []config.Play {
	return []config.Play{
		{Name: "renewal-risk", Trigger: config.PlayTrigger{On: "enters", Value: risk}, Source: "test.yaml:1",
			Actions: []config.PlayAction{{Task: &config.TaskAction{Subject: "Renewal at risk: {{.Account.Name}}",
				Description: "{{.Reason}}", Owner: config.DefaultPlayOwner, DueInDays: 3, Priority: "High", Status: "Not Started", Type: "Call"}}}},
		{Name: "onboarding-recovered", Trigger: config.PlayTrigger{On: "leaves", Value: poor}, Source: "test.yaml:9",
			Actions: []config.PlayAction{{Webhook: &config.WebhookAction{URL: f.hook, Format: "json", Secret: "hook-secret",
				Timeout: 2 * time.Second, Retries: 3}}}},
	}
}

func (f *fixture) runner(backfill bool, ps []config.Play) *plays.Runner {
	f.t.Helper()
	r, err := plays.New(f.db, f.crm, plays.Options{Plays: ps, Definition: config.Default().Definition(), Backfill: backfill, Registerer: f.reg})
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

func (f *fixture) run(r *plays.Runner) plays.Summary {
	f.t.Helper()
	s, err := r.Run(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// transition records a status change of account i.
func (f *fixture) transition(i int, from, to string) string {
	f.t.Helper()
	id := f.srv.Records("Account")[i]["Id"].(string)
	fp, tp := &from, &to
	if from == "" {
		fp = nil
	}
	err := f.db.Apply(context.Background(), []store.Change{{Account: mustAccount(f.t, f.db, id), History: []store.HistoryEntry{
		{AccountID: id, Kind: "change", From: fp, To: tp, At: time.Now(), AsOf: "2026-03-02"}}}})
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func mustAccount(t *testing.T, db *store.DB, id string) store.Account {
	a, err := db.Account(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestPlaysFireOnceEach(t *testing.T) {
	f := newFixture(t)
	f.transition(0, "Core-Good", risk) // before the plays exist: no storm
	r := f.runner(false, f.config())
	if s := f.run(r); s.Enqueued != 0 {
		t.Fatalf("first run enqueued %d for past transitions", s.Enqueued)
	}
	for i := 1; i <= 5; i++ {
		f.transition(i, "Core-Good", risk)
	}
	f.transition(6, poor, good)
	f.transition(7, risk, "Core-Good") // leaves risk: no play
	if p, err := r.Plan(context.Background()); err != nil || p.Tasks != 5 || p.Webhooks != 1 {
		t.Fatalf("Plan = %+v, %v", p, err)
	}
	s := f.run(r)
	if s.Enqueued != 6 || s.Sent != 6 {
		t.Fatalf("summary %+v", s)
	}
	tasks := f.srv.Records("Task")
	if len(tasks) != 5 {
		t.Fatalf("%d tasks, want 5", len(tasks))
	}
	for _, tk := range tasks {
		if tk["Priority"] != "High" || tk["Type"] != "Call" || tk["ActivityDate"] != "2026-03-05" || tk["Lifecycled_Play_Key__c"] == nil {
			t.Errorf("task %v", tk)
		}
	}
	if len(f.rv.seen) != 1 || f.rv.bad != 0 {
		t.Fatalf("webhooks %v, bad signatures %d", f.rv.seen, f.rv.bad)
	}
	for _, b := range f.rv.bodies {
		if b.Transition != "leaves "+poor || b.From != poor || b.To != good || b.Play != "onboarding-recovered" {
			t.Errorf("body %+v", b)
		}
	}
	// Nothing more on the next run.
	if s := f.run(r); s.Enqueued != 0 || s.Sent != 0 || len(f.srv.Records("Task")) != 5 {
		t.Fatalf("second run %+v", s)
	}
	if got := counter(r.Metrics().WithLabelValues("renewal-risk", "task", "sent")); got != 5 {
		t.Errorf("lifecycled_plays_total sent = %v", got)
	}

	t.Run("AmbiguousCreateIsFoundNotRepeated", func(t *testing.T) {
		f.srv.SetFaults(sftest.Faults{ResetCreate: 1})
		for i := 8; i <= 10; i++ {
			f.transition(i, "Core-Good", risk)
		}
		if s := f.run(r); s.Retry != 3 || len(f.srv.Records("Task")) != 8 {
			t.Fatalf("reset run %+v, %d tasks", s, len(f.srv.Records("Task")))
		}
		f.srv.SetFaults(sftest.Faults{})
		if s := f.run(r); s.Sent != 3 || len(f.srv.Records("Task")) != 8 {
			t.Fatalf("after reset %+v, %d tasks", s, len(f.srv.Records("Task")))
		}
		if got := counter(r.Metrics().WithLabelValues("renewal-risk", "task", "found")); got != 3 {
			t.Errorf("found = %v", got)
		}
	})
	t.Run("PermanentFailuresAreRejections", func(t *testing.T) {
		id := f.transition(11, "Core-Good", risk)
		owner, _ := f.srv.Records("Account")[11]["OwnerId"].(string)
		f.srv.DeactivateUser(owner)
		defer f.srv.ActivateUser(owner)
		f.run(r)
		got, err := f.db.AccountPlays(context.Background(), id)
		if err != nil || len(got) != 1 || got[0].State != store.PlayRejected || got[0].Code != "INACTIVE_OWNER_OR_USER" {
			t.Fatalf("AccountPlays = %+v, %v", got, err)
		}
	})
	t.Run("WebhookRetriesAfterFailure", func(t *testing.T) {
		f.rv.mu.Lock()
		f.rv.fail = 2
		f.rv.mu.Unlock()
		f.transition(12, poor, "Core-Good")
		f.run(r)
		f.rv.mu.Lock()
		defer f.rv.mu.Unlock()
		if len(f.rv.seen) != 2 {
			t.Fatalf("keys %v", f.rv.seen)
		}
		for k, n := range f.rv.seen {
			if n != 1 {
				t.Errorf("key %s delivered %d times", k, n)
			}
		}
	})
	t.Run("BackfillFiresANewPlayForThePast", func(t *testing.T) {
		ps := append(f.config(), config.Play{Name: "risk-hook", Trigger: config.PlayTrigger{On: "enters", Value: risk}, Source: "test.yaml:20",
			Actions: []config.PlayAction{{Webhook: &config.WebhookAction{URL: f.hook, Format: "slack", Secret: "hook-secret", Timeout: time.Second}}}})
		s := f.run(f.runner(true, ps))
		if s.Enqueued != 10 { // accounts 0..5 and 8..11 entered risk
			t.Fatalf("backfill enqueued %d, want 10", s.Enqueued)
		}
	})
}

func TestWhenCondition(t *testing.T) {
	f := newFixture(t)
	ps := f.config()[:1]
	ps[0].When = `paying`
	r := f.runner(false, ps)
	f.run(r)
	var paying int
	for i := 0; i < 20; i++ {
		if p, _ := f.srv.Records("Account")[i]["Paying_Customer__c"].(bool); p {
			paying++
		}
		f.transition(i, "Core-Good", risk)
	}
	f.run(r)
	if got := len(f.srv.Records("Task")); got != paying || paying == 0 {
		t.Fatalf("%d tasks, want %d (the paying accounts)", got, paying)
	}
	ps[0].When = `no_such_field > 1`
	if _, err := plays.New(f.db, f.crm, plays.Options{Plays: ps, Definition: config.Default().Definition()}); err == nil {
		t.Fatal("a when over an unknown name compiles")
	}
}

func counter(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}
