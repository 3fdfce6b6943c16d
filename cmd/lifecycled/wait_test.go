package main

import (
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
)

// readyz returns /readyz's status and body.
func readyz(addr string) (int, string) { return httpGet(addr, "/readyz") }

// startOrgAt starts an emulated org on addr with the CLI tests' client ID
// and the given secret, closed when the test ends (or by the caller).
func startOrgAt(t *testing.T, addr, secret string) *sftest.Server {
	t.Helper()
	srv, err := sftest.Start(addr, sftest.Options{ClientID: orgClientID, ClientSecret: secret, Accounts: 100, Seed: 3})
	if err != nil {
		t.Fatalf("start the emulator on %s: %v", addr, err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// TestRunWaitsForSalesforce: `run` serves its endpoint before it connects;
// with Salesforce unreachable, then refusing the token, it stays up (healthy,
// unready with the reason, one log line per attempt) and becomes ready by
// itself once Salesforce answers. A token refused after start-up is waited
// out the same way.
func TestRunWaitsForSalesforce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	sfAddr, addr := freeAddr(t), freeAddr(t)
	cfgPath, _ := daemonConfigWith(t, "http://"+sfAddr, time.Second, addr, clientCredentials...)
	d := startDaemon(t, []string{"LIFECYCLED_LOG_FORMAT=json"}, cfgPath)

	// Unreachable: healthy, not ready, and it says why.
	d.await(t, "the endpoint", time.Minute, func() bool { code, _ := httpGet(addr, "/healthz"); return code == http.StatusOK })
	code, body := readyz(addr)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "connect") {
		t.Fatalf("/readyz while Salesforce is unreachable = %d %s; want 503 naming the connection", code, body)
	}
	d.await(t, "a logged attempt", time.Minute, func() bool { return strings.Contains(d.out.String(), `"attempt":1`) })

	// Salesforce answers, but refuses the token (a wrong secret).
	wrong := startOrgAt(t, sfAddr, "a-different-secret-99")
	d.await(t, "the refusal in /readyz", time.Minute, func() bool {
		_, body := readyz(addr)
		return strings.Contains(body, "invalid_client")
	})
	wrong.Close()

	// Salesforce accepts: ready by itself.
	right := startOrgAt(t, sfAddr, orgClientSecret)
	ready := func() bool { code, _ := readyz(addr); return code == http.StatusOK }
	d.await(t, "readiness once Salesforce accepts", 2*time.Minute, ready)

	// The token is refused while it runs (the connected app's secret was
	// rotated), then accepted again.
	right.Close()
	rotated := startOrgAt(t, sfAddr, "rotated-secret-1234")
	d.await(t, "unreadiness when the token is refused", 2*time.Minute, func() bool {
		code, body := readyz(addr)
		return code == http.StatusServiceUnavailable && strings.Contains(body, "log in to salesforce") &&
			strings.Contains(body, "invalid_client")
	})
	rotated.Close()
	startOrgAt(t, sfAddr, orgClientSecret)
	d.await(t, "readiness after the token is accepted again", 2*time.Minute, ready)

	logs := d.out.String()
	if n := strings.Count(logs, "waiting to try again"); n < 3 {
		t.Errorf("%d logged attempts, want one line per failed attempt (at least 3)\n%s", n, logs)
	}
	if strings.Contains(logs, orgClientSecret) {
		t.Error("the client secret is in the logs")
	}
	d.stop(t, syscall.SIGTERM)
}

// TestShutdownWithSalesforceDown: SIGTERM stops the daemon at once when
// Salesforce is unreachable, both while it waits to connect and while a
// cycle's reads are retrying; only a write already sent may use the grace
// period. (The limit below is a deadline against the old 30-second hang,
// not a timing target: the target is 2 s.)
func TestShutdownWithSalesforceDown(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	stopWithin := func(t *testing.T, d *process, limit time.Duration) {
		t.Helper()
		began := time.Now()
		d.stop(t, syscall.SIGTERM)
		if took := time.Since(began); took > limit {
			t.Errorf("exit %v after SIGTERM, want under %v", took.Round(time.Millisecond), limit)
		}
	}
	t.Run("WhileConnecting", func(t *testing.T) {
		addr := freeAddr(t)
		cfgPath, _ := daemonConfigWith(t, "http://"+freeAddr(t), time.Second, addr, clientCredentials...)
		d := startDaemon(t, nil, cfgPath)
		d.await(t, "the endpoint", time.Minute, func() bool { code, _ := httpGet(addr, "/healthz"); return code == http.StatusOK })
		stopWithin(t, d, 5*time.Second)
	})
	t.Run("WhileReadsRetry", func(t *testing.T) {
		srv := newOrg(t, sftest.Options{Accounts: 100, Seed: 5})
		addr := freeAddr(t)
		cfgPath, _ := daemonConfigWith(t, srv.URL(), time.Second, addr, clientCredentials...)
		d := startDaemon(t, []string{"LIFECYCLED_LOG_FORMAT=json"}, cfgPath)
		d.await(t, "readiness", time.Minute, func() bool { code, _ := readyz(addr); return code == http.StatusOK })
		srv.SetFaults(sftest.Faults{ServerUnavailable: 1})
		d.await(t, "a retried read", time.Minute, func() bool { return strings.Contains(d.out.String(), "retrying") })
		stopWithin(t, d, 5*time.Second)
	})
}
