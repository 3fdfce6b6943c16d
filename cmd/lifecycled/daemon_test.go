package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
	"github.com/lifecycled/lifecycled/internal/oracle"
	"github.com/lifecycled/lifecycled/internal/store"
)

// daemonConfig writes a config file for the default pack against the
// emulator at url, with the given auth block (YAML lines under auth:), and
// returns its path and the state file's path.
func daemonConfig(t *testing.T, url string, auth ...string) (cfgPath, statePath string) {
	t.Helper()
	return daemonConfigWith(t, url, time.Hour, "127.0.0.1:0", auth...)
}

// daemonConfigWith is daemonConfig with a sync interval and listen address.
func daemonConfigWith(t *testing.T, url string, interval time.Duration, listen string, auth ...string) (cfgPath, statePath string) {
	t.Helper()
	dir := t.TempDir()
	statePath = filepath.Join(dir, "state.db")
	cfgPath = filepath.Join(dir, "lifecycled.yaml")
	var b strings.Builder
	fmt.Fprintf(&b, "salesforce:\n  login_url: %s\n  api_version: \"62.0\"\n  auth:\n", url)
	for _, l := range auth {
		fmt.Fprintf(&b, "    %s\n", l)
	}
	fmt.Fprintf(&b, "sync:\n  interval: %s\n  full_resync: %s\nstate:\n  path: %s\nserver:\n  listen: %s\n",
		interval, max(interval, 24*time.Hour), statePath, listen)
	if err := os.WriteFile(cfgPath, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfgPath, statePath
}

// restOnly is the sync setting that keeps a config on the REST API.
const restOnly = "  bulk_threshold: -1\n  bulk_write_threshold: -1\n"

// withSync adds lines (indented YAML) to the sync section of the config
// file a daemonConfig helper wrote.
func withSync(t *testing.T, cfgPath, lines string) {
	t.Helper()
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), "sync:\n", "sync:\n"+lines, 1)
	if err := os.WriteFile(cfgPath, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Client credentials of the emulated orgs the CLI tests start.
const (
	orgClientID     = "cli-test-client"
	orgClientSecret = "cli-test-secret-4e1d"
)

// clientCredentials is the auth block of a config for the emulated org.
var clientCredentials = []string{"flow: client_credentials", "client_id: " + orgClientID, "client_secret: " + orgClientSecret}

// newOrg starts an emulated org with the CLI tests' client credentials and
// opts, closed when the test ends.
func newOrg(t *testing.T, opts sftest.Options) *sftest.Server {
	t.Helper()
	opts.ClientID, opts.ClientSecret = orgClientID, orgClientSecret
	srv := sftest.NewServer(opts)
	t.Cleanup(srv.Close)
	return srv
}

// mismatches counts the emulator's accounts whose tags or status differ from
// the oracle's expectation for today, reporting the first few when report.
func mismatches(t *testing.T, srv *sftest.Server, report bool) int {
	t.Helper()
	today := time.Now().UTC()
	bad := 0
	for _, rec := range srv.Records("Account") {
		if gap := oracle.Gap(rec, today); gap != "" {
			bad++
			if report && bad <= 5 {
				t.Errorf("account %v: %s", rec["Id"], gap)
			}
		}
	}
	return bad
}

// TestKillDuringPushConverges kills the daemon with SIGKILL in the middle of
// its pushes, three times, then lets `sync` finish: Salesforce must end in the
// same state as after an uninterrupted run, with no write repeated for
// nothing.
func TestKillDuringPushConverges(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	srv := newOrg(t, sftest.Options{
		Accounts: 4000, Seed: 11,
		// Slow responses widen the window in which a kill lands mid-request.
		Faults: sftest.Faults{Seed: 3, Slow: 0.5, SlowDelay: 20 * time.Millisecond},
	})
	cfgPath, statePath := daemonConfig(t, srv.URL(), clientCredentials...)
	withSync(t, cfgPath, restOnly) // the sObject Collections path (Bulk: bulkkill_test.go)
	env := []string{"LIFECYCLED_LOG_FORMAT=json"}

	for kill := 1; kill <= 3; kill++ {
		before := srv.Stats().Writes
		d := startDaemon(t, env, cfgPath)
		d.await(t, "two write requests", 3*time.Minute, func() bool { return srv.Stats().Writes >= before+2 })
		if err := d.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		d.wait()
		t.Logf("kill %d after %d write requests", kill, srv.Stats().Writes)
	}
	if bad := mismatches(t, srv, false); bad == 0 {
		t.Fatalf("every account already converged before the restart: the kills landed too late to test anything")
	}

	for i := 0; i < 2; i++ {
		r := runBinary(t, env, nil, "sync", "--config", cfgPath)
		if r.code != 0 {
			t.Fatalf("sync %d: exit %d\n%s", i, r.code, r.stderr)
		}
	}
	if bad := mismatches(t, srv, true); bad != 0 {
		t.Fatalf("%d accounts differ from the expectation after restart", bad)
	}
	st := srv.Stats()
	if st.NoopWrites != 0 {
		t.Errorf("%d no-op record writes: a write was repeated after the kill", st.NoopWrites)
	}
	// No stale write: nobody edits the accounts here, so every status the
	// daemon ever wrote is the account's final, expected one, and each
	// account was written at most once.
	final := map[string]any{}
	for _, rec := range srv.Records("Account") {
		final[rec["Id"].(string)] = rec[oracle.Status]
	}
	writes := map[string]int{}
	for _, w := range srv.WriteLog() {
		if w.Source != "api" {
			continue
		}
		writes[w.ID]++
		if v, ok := w.Fields[oracle.Status]; ok && v != final[w.ID] {
			t.Errorf("account %s: wrote status %v, but its final status is %v", w.ID, v, final[w.ID])
		}
	}
	for id, n := range writes {
		if n > 1 {
			t.Errorf("account %s written %d times", id, n)
		}
	}
	// A last sync finds nothing to do.
	before := srv.Stats().RecordWrites
	if r := runBinary(t, env, nil, "sync", "--config", cfgPath); r.code != 0 {
		t.Fatalf("final sync: exit %d\n%s", r.code, r.stderr)
	}
	if n := srv.Stats().RecordWrites - before; n != 0 {
		t.Errorf("converged sync wrote %d records, want 0", n)
	}
	db := store.New(statePath)
	if err := db.OpenReadOnly(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, err := db.OutboxDepth(context.Background()); err != nil || n != 0 {
		t.Errorf("outbox depth = %d, %v; want 0", n, err)
	}
}

func selfSigned(t *testing.T) (keyPEM, certPEM []byte) {
	t.Helper()
	keyPEM, certPEM, err := sftest.NewJWTKey()
	if err != nil {
		t.Fatal(err)
	}
	return keyPEM, certPEM
}

// TestLogsNeverShowSecrets runs the real binary through every auth flow at
// debug level, successfully and with a wrong secret, and scans everything it
// printed for the secrets it was given (and the refresh tokens the emulator
// rotated to).
func TestLogsNeverShowSecrets(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	keyPEM, certPEM := selfSigned(t)
	const (
		clientID     = "3MVG9secret-scan-client"
		clientSecret = "client-secret-5f0c1e9a7b"
		username     = "integration@example.com"
		password     = "pa55word-and-token-8d2e"
		refreshToken = "5Aep861refresh-token-77ab"
	)
	srv := sftest.NewServer(sftest.Options{
		ClientID: clientID, ClientSecret: clientSecret, Username: username, Password: password,
		RefreshToken: refreshToken, RotateRefreshTokens: true, JWTCertificatePEM: certPEM,
		Accounts: 300, Seed: 5,
		// Expired sessions make the daemon fetch new tokens mid-run.
		TokenLifetime: 200 * time.Millisecond,
		Faults:        sftest.Faults{Seed: 9, Slow: 0.2, SlowDelay: 50 * time.Millisecond},
	})
	defer srv.Close()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "server.key")
	pwFile := filepath.Join(dir, "password")
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	secrets := []string{clientSecret, password, refreshToken}
	for _, l := range strings.Split(strings.TrimSpace(string(keyPEM)), "\n") {
		if !strings.HasPrefix(l, "-----") {
			secrets = append(secrets, l)
		}
	}
	flows := map[string][]string{
		"client_credentials": {"flow: client_credentials", "client_id: " + clientID, "client_secret: ${SCAN_SECRET}"},
		"jwt_bearer":         {"flow: jwt_bearer", "client_id: " + clientID, "username: " + username, "private_key_file: " + keyFile},
		"refresh_token":      {"flow: refresh_token", "client_id: " + clientID, "client_secret: ${SCAN_SECRET}", "refresh_token: ${SCAN_REFRESH}"},
		"password":           {"flow: password", "client_id: " + clientID, "client_secret: ${SCAN_SECRET}", "username: " + username, "password_file: " + pwFile},
	}
	for flow, auth := range flows {
		t.Run(flow, func(t *testing.T) {
			cfgPath, statePath := daemonConfig(t, srv.URL(), auth...)
			env := []string{"SCAN_SECRET=" + clientSecret, "SCAN_REFRESH=" + refreshToken}
			var out strings.Builder
			for _, args := range [][]string{
				{"validate", "--remote"},
				{"sync", "--log-level", "debug", "--log-format", "json"},
				{"sync", "--log-level", "debug", "--log-format", "text"},
				{"plan", "--log-level", "debug"},
				{"status"},
			} {
				args = append(args, "--config", cfgPath)
				r := runBinary(t, env, nil, args...)
				if r.code != 0 {
					t.Fatalf("%v: exit %d\n%s", args, r.code, r.stderr)
				}
				out.WriteString(r.stdout + r.stderr)
			}
			// A wrong secret fails with a reason that does not show it.
			bad := runBinary(t, []string{"SCAN_SECRET=wrong-" + clientSecret, "SCAN_REFRESH=wrong-" + refreshToken},
				nil, "sync", "--log-level", "debug", "--config", cfgPath)
			if (flow == "client_credentials" || flow == "password") && bad.code == 0 {
				t.Errorf("sync with a wrong secret succeeded")
			}
			out.WriteString(bad.stdout + bad.stderr)

			all := secrets
			if flow == "refresh_token" {
				db := store.New(statePath)
				if err := db.OpenReadOnly(); err != nil {
					t.Fatal(err)
				}
				rotated, err := db.RefreshToken(context.Background())
				db.Close()
				if err != nil || rotated == "" || rotated == refreshToken {
					t.Fatalf("rotated refresh token = %q, %v; want a new one saved in the state", rotated, err)
				}
				all = append(all, rotated)
			}
			text := out.String()
			if !strings.Contains(text, "cycle") {
				t.Fatalf("no cycle line in the logs; the scan would prove nothing:\n%s", text)
			}
			for _, s := range all {
				if strings.Contains(text, s) {
					t.Errorf("output shows a secret (%d chars) in line: %s", len(s), lineWith(text, s))
				}
			}
			if strings.Contains(text, "Bearer ") {
				t.Errorf("output shows an Authorization header: %s", lineWith(text, "Bearer "))
			}
			if fi, err := os.Stat(statePath); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("state file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
			}
		})
	}
}

// lineWith returns the first line of text containing s, with s masked.
func lineWith(text, s string) string {
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), s) {
			return strings.ReplaceAll(sc.Text(), s, "<SECRET>")
		}
	}
	return ""
}
