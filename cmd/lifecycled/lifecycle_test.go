package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
	"github.com/lifecycled/lifecycled/internal/store"
)

// httpGet fetches path from the server at addr and returns the status and
// body; status 0 when the request failed.
func httpGet(addr, path string) (int, string) {
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// startDaemon starts `lifecycled run --config cfgPath` in the background.
func startDaemon(t *testing.T, env []string, cfgPath string) *process {
	t.Helper()
	logs := &logBuffer{}
	return startBinary(t, env, logs, logs, "run", "--config", cfgPath)
}

// TestGracefulShutdown sends SIGTERM while the daemon is pushing: it must exit
// 0 promptly with its state committed, and the next sync converges with no
// write repeated for nothing.
func TestGracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	srv := newOrg(t, sftest.Options{
		Accounts: 4000, Seed: 21,
		Faults: sftest.Faults{Seed: 4, Slow: 0.5, SlowDelay: 20 * time.Millisecond},
	})
	cfgPath, statePath := daemonConfig(t, srv.URL(), clientCredentials...)
	withSync(t, cfgPath, restOnly) // many write requests, to stop between
	d := startDaemon(t, []string{"LIFECYCLED_LOG_FORMAT=json"}, cfgPath)
	d.await(t, "write requests", 3*time.Minute, func() bool { return srv.Stats().Writes >= 2 })
	d.stop(t, syscall.SIGTERM)
	if !strings.Contains(d.out.String(), "lifecycled stopped") {
		t.Errorf("no stop line in the logs:\n%s", d.out)
	}

	db := store.New(statePath)
	if err := db.OpenReadOnly(); err != nil {
		t.Fatal(err)
	}
	runs, err := db.Runs(context.Background(), 5)
	db.Close()
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs = %+v, %v; want the one interrupted run", runs, err)
	}
	if r := runs[0]; r.Ended.IsZero() || r.Outcome != "aborted" || r.Written == 0 {
		t.Fatalf("interrupted run %+v: want it finished as aborted with its writes recorded", r)
	}

	if r := runBinary(t, nil, nil, "sync", "--config", cfgPath); r.code != 0 {
		t.Fatalf("sync after shutdown: exit %d\n%s", r.code, r.stderr)
	}
	if bad := mismatches(t, srv, true); bad != 0 {
		t.Fatalf("%d accounts differ from the expectation", bad)
	}
	if n := srv.Stats().NoopWrites; n != 0 {
		t.Fatalf("%d no-op writes after the restart", n)
	}
}

// TestReadinessFollowsSalesforce: /readyz turns unready when Salesforce has
// been unreachable for longer than 3 intervals, and ready again once it is
// back.
func TestReadinessFollowsSalesforce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	srv := newOrg(t, sftest.Options{Accounts: 200, Seed: 2})
	addr := freeAddr(t)
	cfgPath, _ := daemonConfigWith(t, srv.URL(), time.Second, addr, clientCredentials...)
	d := startDaemon(t, []string{"LIFECYCLED_LOG_FORMAT=json"}, cfgPath)
	ready := func() bool { code, _ := httpGet(addr, "/readyz"); return code == http.StatusOK }
	d.await(t, "readiness", 2*time.Minute, ready)

	srv.SetFaults(sftest.Faults{ServerUnavailable: 1})
	outage := time.Now()
	d.await(t, "unreadiness during the outage", 2*time.Minute, func() bool { return !ready() })
	// The last success ended at most one interval before the outage began,
	// so readiness holds for at least the two intervals after it.
	if gone := time.Since(outage); gone < 2*time.Second {
		t.Fatalf("unready %v after the outage began: sooner than 3 intervals after the last success", gone)
	}
	srv.SetFaults(sftest.Faults{})
	d.await(t, "readiness after recovery", 2*time.Minute, ready)

	d.stop(t, syscall.SIGINT)
}

// TestEndpointsNeverShowSecrets fetches every page of a running daemon and
// scans it for the secrets the daemon was given.
func TestEndpointsNeverShowSecrets(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	const secret = orgClientSecret
	srv := newOrg(t, sftest.Options{Accounts: 300, Seed: 6})
	addr := freeAddr(t)
	cfgPath, _ := daemonConfigWith(t, srv.URL(), time.Second, addr, "flow: client_credentials", "client_id: "+orgClientID, "client_secret: ${ENDPOINT_SECRET}")
	d := startDaemon(t, []string{"ENDPOINT_SECRET=" + secret}, cfgPath)
	get := func(path string) (int, string) { return httpGet(addr, path) }
	d.await(t, "readiness", 2*time.Minute, func() bool { code, _ := get("/readyz"); return code == http.StatusOK })
	for _, path := range []string{"/", "/metrics", "/readyz", "/healthz"} {
		code, body := get(path)
		if code != http.StatusOK || body == "" {
			t.Fatalf("GET %s: %d", path, code)
		}
		if strings.Contains(body, secret) {
			t.Errorf("GET %s shows the client secret", path)
		}
	}
	if _, body := get("/metrics"); !strings.Contains(body, "lifecycled_cycles_total") {
		t.Errorf("/metrics lacks the cycle counter:\n%s", body)
	}
	d.stop(t, syscall.SIGTERM)
	if strings.Contains(d.out.String(), secret) {
		t.Errorf("the daemon's logs show the client secret")
	}
}
