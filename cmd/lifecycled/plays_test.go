package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
	"github.com/lifecycled/lifecycled/internal/oracle"
	"github.com/lifecycled/lifecycled/internal/plays"
	"github.com/lifecycled/lifecycled/internal/store"
)

// hookReceiver checks each webhook's signature and counts accepted
// deliveries per idempotency key; it answers 503 to the first failFirst
// deliveries (a simulated failure, which lifecycled retries).
type hookReceiver struct {
	mu        sync.Mutex
	secret    string
	failFirst int
	accepted  map[string]int
	badSig    int
	failed    int
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.Header.Get(plays.SignatureHeader) != plays.Sign([]byte(h.secret), body) {
		h.badSig++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if h.failed < h.failFirst {
		h.failed++
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	h.accepted[r.Header.Get(plays.IdempotencyKeyHeader)]++
}

const riskStatus = "Renewal-High Risk"

// TestPlaysExactlyOnce: through the binary, a task play on entering
// Renewal-High Risk and a webhook play on leaving an onboarding Poor
// status. After a first sync of 5,000 accounts (which fires nothing: the
// plays are new), people change accounts and the org's clock moves 40 days
// forward, so that accounts change status; the daemon syncs them with resets after processing on 10% of create
// requests and is killed with SIGKILL three times while it creates tasks.
// Then: one Task per qualifying transition in the history (none twice),
// rejections for an inactive owner visible in status, every webhook
// delivered at least once with a valid signature.
func TestPlaysExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	// The org's clock is real time moved forward by ahead: lifecycled takes
	// "today" from Salesforce's clock, so moving it makes accounts change
	// status as the days pass.
	var ahead atomic.Int64
	orgNow := func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	srv := newOrg(t, sftest.Options{Accounts: 5000, Seed: 14, Now: orgNow,
		// Seed 16 resets the first and the sixth create request.
		Faults: sftest.Faults{Seed: 16, ResetCreate: 0.1, Slow: 0.3, SlowDelay: 20 * time.Millisecond}})
	hook := &hookReceiver{secret: "hook-secret-9f2", failFirst: 3, accepted: map[string]int{}}
	hs := httptest.NewServer(hook)
	t.Cleanup(hs.Close)
	cfgPath, statePath := daemonConfigWith(t, srv.URL(), time.Second, "127.0.0.1:0", clientCredentials...)
	withSync(t, cfgPath, restOnly)
	env := []string{"LIFECYCLED_LOG_FORMAT=json", "HOOK_SECRET=" + hook.secret}

	// The first sync, before any play: which onboarding Poor status is the
	// most common decides the webhook play.
	if r := runBinary(t, env, nil, "sync", "--config", cfgPath); r.code != 0 {
		t.Fatalf("first sync: exit %d\n%s", r.code, r.stderr)
	}
	counts := map[string]int{}
	for _, rec := range srv.Records("Account") {
		if s, ok := rec[oracle.Status].(string); ok {
			counts[s]++
		}
	}
	poor := "30 Day OnBoard-Poor"
	for _, s := range []string{"60 Day OnBoard-Poor", "90 Day OnBoard-Poor"} {
		if counts[s] > counts[poor] {
			poor = s
		}
	}
	appendConfig(t, cfgPath, `plays:
  - name: renewal-risk-call
    trigger:
      enters: "`+riskStatus+`"
    actions:
      - task:
          subject: "Renewal at risk: {{.Account.Name}}"
          description: "{{.Reason}}"
          priority: High
          type: Call
  - name: onboarding-recovered
    trigger:
      leaves: "`+poor+`"
    actions:
      - webhook:
          url: `+hs.URL+`
          secret: ${HOOK_SECRET}
          timeout: 2s
          retries: 5
`)
	// A second sync with the plays: they start at the history's end.
	if r := runBinary(t, env, nil, "sync", "--config", cfgPath); r.code != 0 {
		t.Fatalf("second sync: exit %d\n%s", r.code, r.stderr)
	}
	if n := len(srv.Records("Task")); n != 0 {
		t.Fatalf("%d tasks after adding the plays: a storm on first use", n)
	}
	mark := lastHistoryID(t, statePath)

	// People change accounts: renewals turn Poor, onboarding Poor accounts
	// catch up. One owner is deactivated: their tasks are rejections.
	var inactiveOwner string
	moved := 0
	for _, rec := range srv.Records("Account") {
		id, status := rec["Id"].(string), rec[oracle.Status]
		switch {
		case status != riskStatus && strings.HasPrefix(str(status), "Renewal-"):
			if inactiveOwner == "" {
				inactiveOwner, _ = rec["OwnerId"].(string)
			}
			mustUpdate(t, srv, id, map[string]any{"Customer_Health__c": "Poor"})
			moved++
		case status == poor:
			mustUpdate(t, srv, id, map[string]any{"Licensed_Seats__c": 10.0, "Active_Users__c": 10.0, "Customer_Health__c": "Good"})
			moved++
		}
	}
	if moved < 500 {
		t.Fatalf("only %d accounts changed", moved)
	}
	srv.DeactivateUser(inactiveOwner)
	// And 40 days pass: onboarding checkpoints and renewal windows move.
	ahead.Store(int64(40 * 24 * time.Hour))

	for kill := 1; kill <= 3; kill++ {
		before := len(srv.Records("Task"))
		d := startDaemon(t, env, cfgPath)
		d.await(t, "tasks being created", 3*time.Minute, func() bool { return len(srv.Records("Task")) > before })
		if err := d.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		d.wait()
		t.Logf("kill %d with %d tasks", kill, len(srv.Records("Task")))
	}
	if resets := srv.Stats().Requests["collectionsCreate"][0]; resets == 0 {
		t.Error("no create request was reset: the ambiguous path is untested")
	}
	srv.SetFaults(sftest.Faults{})
	for i := 0; i < 2; i++ {
		if r := runBinary(t, env, nil, "sync", "--config", cfgPath); r.code != 0 {
			t.Fatalf("sync %d: exit %d\n%s", i, r.code, r.stderr)
		}
	}

	// The qualifying transitions, from the history.
	db := store.New(statePath)
	if err := db.OpenReadOnly(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	runs, err := db.Runs(ctx, 1)
	if want := orgNow().UTC().Format(time.DateOnly); err != nil || len(runs) != 1 || runs[0].AsOf != want {
		t.Fatalf("last run %+v, %v: want it computed for the org's date %s", runs, err, want)
	}
	trs, err := db.PlayTransitions(ctx, mark, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantTasks, wantHooks := map[string]string{}, map[string]bool{}
	for _, tr := range trs {
		if tr.Kind != "change" {
			continue
		}
		if tr.To != nil && *tr.To == riskStatus && str(tr.From) != riskStatus {
			wantTasks[plays.Key("renewal-risk-call", tr.ID, 0)] = tr.AccountID
		}
		if tr.From != nil && *tr.From == poor && str(tr.To) != poor {
			wantHooks[plays.Key("onboarding-recovered", tr.ID, 0)] = true
		}
	}
	if len(wantTasks) < 100 || len(wantHooks) == 0 {
		t.Fatalf("%d task transitions, %d webhook transitions: too few to test", len(wantTasks), len(wantHooks))
	}
	owners := map[string]string{}
	for _, rec := range srv.Records("Account") {
		owners[rec["Id"].(string)], _ = rec["OwnerId"].(string)
	}
	perKey := map[string]int{}
	for _, tk := range srv.Records("Task") {
		k, _ := tk["Lifecycled_Play_Key__c"].(string)
		perKey[k]++
		if _, ok := wantTasks[k]; !ok {
			t.Errorf("task %v has a key of no qualifying transition", tk["Id"])
		}
	}
	rejected := 0
	for k, acct := range wantTasks {
		want := 1
		if owners[acct] == inactiveOwner {
			want, rejected = 0, rejected+1
		}
		if perKey[k] != want {
			t.Errorf("account %s: %d tasks for transition key %s, want %d", acct, perKey[k], k, want)
		}
	}
	if rejected == 0 {
		t.Error("no task was for the inactive owner; the rejection path is untested")
	}
	n, err := db.CountPlays(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n[store.PlayRejected] != rejected || n[store.PlayPending] != 0 || n[store.PlaySent] != len(wantTasks)-rejected+len(wantHooks) {
		t.Errorf("plays by state %v; want %d rejected, %d sent", n, rejected, len(wantTasks)-rejected+len(wantHooks))
	}

	hook.mu.Lock()
	if hook.badSig != 0 {
		t.Errorf("%d webhooks with a bad signature", hook.badSig)
	}
	dups := 0
	for k := range wantHooks {
		switch c := hook.accepted[k]; {
		case c == 0:
			t.Errorf("webhook %s never delivered", k)
		case c > 1:
			dups++
		}
	}
	if len(hook.accepted) != len(wantHooks) {
		t.Errorf("%d keys delivered, want %d", len(hook.accepted), len(wantHooks))
	}
	hook.mu.Unlock()
	t.Logf("%d tasks, %d rejected, %d webhooks (%d delivered twice after a kill)", len(wantTasks)-rejected, rejected, len(wantHooks), dups)

	r := runBinary(t, env, nil, "status", "--config", cfgPath)
	if r.code != 0 || !strings.Contains(r.stdout, "rejected") || !strings.Contains(r.stdout, "INACTIVE_OWNER_OR_USER") {
		t.Errorf("status does not show the plays' rejections:\n%s%s", r.stdout, r.stderr)
	}
}

func str(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case *string:
		if s != nil {
			return *s
		}
	}
	return ""
}

func mustUpdate(t *testing.T, srv *sftest.Server, id string, fields map[string]any) {
	t.Helper()
	if err := srv.Update("Account", id, fields); err != nil {
		t.Fatal(err)
	}
}

func appendConfig(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

func lastHistoryID(t *testing.T, statePath string) int64 {
	t.Helper()
	db := store.New(statePath)
	if err := db.OpenReadOnly(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	id, err := db.LastHistoryID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return id
}
