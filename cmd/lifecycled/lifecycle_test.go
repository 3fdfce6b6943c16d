package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
	"github.com/lifecycled/lifecycled/internal/store"
)

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

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

// daemon is the real binary running `run` in the background.
type daemon struct {
	cmd    *exec.Cmd
	stderr *strings.Builder
	done   chan struct{} // closed when the process has exited
	err    error         // its exit status, once done is closed
}

func startDaemon(t *testing.T, env []string, cfgPath string) *daemon {
	t.Helper()
	d := &daemon{cmd: exec.Command(mustBinary(t), "run", "--config", cfgPath), stderr: &strings.Builder{}, done: make(chan struct{})}
	d.cmd.Env = append(os.Environ(), env...)
	d.cmd.Stderr = d.stderr
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		d.err = d.cmd.Wait()
		close(d.done)
	}()
	t.Cleanup(func() {
		d.cmd.Process.Kill()
		<-d.done
	})
	return d
}

// wait waits for the process to exit and returns its exit status.
func (d *daemon) wait() error {
	<-d.done
	return d.err
}

// await polls cond every 20ms until it holds, failing the test after limit
// (a deadline against hangs, not a timing assertion).
func (d *daemon) await(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		select {
		case <-d.done:
			t.Fatalf("daemon exited while waiting for %s: %v\n%s", what, d.err, d.stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v\n%s", what, limit, d.stderr)
		}
	}
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
	d := startDaemon(t, []string{"LIFECYCLED_LOG_FORMAT=json"}, cfgPath)
	d.await(t, "write requests", 3*time.Minute, func() bool { return srv.Stats().Writes >= 2 })
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-d.done:
		if d.err != nil {
			t.Fatalf("daemon exit after SIGTERM: %v\n%s", d.err, d.stderr)
		}
	case <-time.After(time.Minute):
		t.Fatalf("daemon still running a minute after SIGTERM\n%s", d.stderr)
	}
	if !strings.Contains(d.stderr.String(), "lifecycled stopped") {
		t.Errorf("no stop line in the logs:\n%s", d.stderr)
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

	if err := d.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := d.wait(); err != nil {
		t.Fatalf("exit after SIGINT: %v\n%s", err, d.stderr)
	}
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
	d.cmd.Process.Signal(syscall.SIGTERM)
	if err := d.wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	if strings.Contains(d.stderr.String(), secret) {
		t.Errorf("the daemon's logs show the client secret")
	}
}
