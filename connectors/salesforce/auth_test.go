package salesforce

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
	"github.com/lifecycled/lifecycled/internal/store"
)

// TestAuthFlows opens a client with each OAuth flow against the emulator,
// reads through it, and checks that wrong credentials fail with ClassAuth
// after exactly one token request.
func TestAuthFlows(t *testing.T) {
	keyPEM, certPEM := mustKeyCert(t)
	otherKey, _ := mustKeyCert(t)
	srv := mustEmulator(t, sftest.Options{
		Username: emuUsername, Password: emuPassword, JWTCertificatePEM: certPEM,
		RefreshToken: emuRefreshToken, Accounts: 5, Seed: 1,
	})
	flows := []struct {
		name  string
		good  func(*Options)
		bad   func(*Options)
		wantC string // OAuth error code of the bad variant
	}{
		{FlowClientCredentials,
			func(o *Options) {},
			func(o *Options) { o.ClientSecret = "wrong-secret-value" }, "invalid_client"},
		{FlowJWTBearer,
			func(o *Options) {
				o.Flow, o.ClientSecret, o.Username, o.PrivateKeyPEM = FlowJWTBearer, "", emuUsername, keyPEM
			},
			func(o *Options) {
				o.Flow, o.ClientSecret, o.Username, o.PrivateKeyPEM = FlowJWTBearer, "", emuUsername, otherKey
			}, "invalid_grant"},
		{FlowRefreshToken,
			func(o *Options) { o.Flow, o.RefreshToken = FlowRefreshToken, emuRefreshToken },
			func(o *Options) { o.Flow, o.RefreshToken = FlowRefreshToken, "5Aep861not-a-known-token" }, "invalid_grant"},
		{FlowPassword,
			func(o *Options) { o.Flow, o.Username, o.Password = FlowPassword, emuUsername, emuPassword },
			func(o *Options) { o.Flow, o.Username, o.Password = FlowPassword, emuUsername, "wrong-password-1" }, "invalid_grant"},
	}
	for _, f := range flows {
		t.Run(f.name, func(t *testing.T) {
			before := statusCount(srv, "token", 200)
			c := mustClient(t, srv, f.good)
			if got := statusCount(srv, "token", 200) - before; got != 1 {
				t.Fatalf("successful token requests = %d, want 1", got)
			}
			recs, _ := queryAll(t, c, "SELECT Id, Name FROM Account")
			if len(recs) != 5 {
				t.Fatalf("query returned %d accounts, want 5", len(recs))
			}
			if c.instance != srv.URL() {
				t.Fatalf("instance URL = %q, want the token response's %q", c.instance, srv.URL())
			}

			failed := statusCount(srv, "token", 400)
			opts := Options{LoginURL: srv.URL(), Flow: FlowClientCredentials, ClientID: emuClientID, ClientSecret: emuClientSecret}
			f.bad(&opts)
			bad := New(opts)
			err := bad.Open(context.Background())
			var ae *AuthError
			if !errors.As(err, &ae) || Classify(err) != ClassAuth || ae.Code != f.wantC {
				t.Fatalf("open with bad credentials = %v, want ClassAuth %s", err, f.wantC)
			}
			if got := statusCount(srv, "token", 400) - failed; got != 1 {
				t.Fatalf("rejected token requests = %d, want exactly 1", got)
			}
			assertNoSecrets(t, "auth error", err.Error(), emuClientSecret, emuPassword, emuRefreshToken,
				"wrong-secret-value", "wrong-password-1", "5Aep861not-a-known-token")
			if _, err := bad.Describe(context.Background(), "Account"); !errors.Is(err, ErrNotOpen) {
				t.Fatalf("describe on a client that failed to open = %v, want ErrNotOpen", err)
			}
		})
	}
}

// TestRevokedTokenRefreshesOnce revokes every access token mid-run: the
// next call gets one 401, one new token and succeeds.
func TestRevokedTokenRefreshesOnce(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 3, Seed: 2})
	c := mustClient(t, srv, nil)
	queryAll(t, c, "SELECT Id FROM Account")
	srv.RevokeTokens()
	srv.ResetStats()
	recs, _ := queryAll(t, c, "SELECT Id FROM Account")
	if len(recs) != 3 {
		t.Fatalf("got %d records after revocation, want 3", len(recs))
	}
	if got := statusCount(srv, "query", 401); got != 1 {
		t.Errorf("401 answers = %d, want 1", got)
	}
	if got := requests(srv, "token"); got != 1 {
		t.Errorf("token requests = %d, want 1", got)
	}

	// A write after revocation: the 401 is refused before processing, so
	// it is retried once with the new token and applied once.
	srv.RevokeTokens()
	srv.ResetStats()
	id := accountIDs(srv)[0]
	res, err := c.Update(context.Background(), "Account", []Update{{ID: id, Fields: map[string]any{"Name": "Renamed After Revocation"}}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("update after revocation = %v, %v", res, err)
	}
	if got := srv.Stats().Writes; got != 1 {
		t.Errorf("writes = %d, want 1", got)
	}
	if rec, _ := srv.Record("Account", id); rec["Name"] != "Renamed After Revocation" {
		t.Errorf("Name = %v", rec["Name"])
	}
}

// TestExpiredTokenRefreshes lets the emulator's session time out (no
// expires_in is sent, so only the 401 tells) and checks one refresh.
func TestExpiredTokenRefreshes(t *testing.T) {
	clk := sftest.NewClock(time.Date(2024, 3, 15, 10, 0, 0, 0, time.UTC))
	srv := mustEmulator(t, sftest.Options{Accounts: 2, Seed: 3, Now: clk.Now, TokenLifetime: time.Hour})
	c := mustClient(t, srv, nil)
	if _, err := c.Describe(context.Background(), "Account"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Hour)
	srv.ResetStats()
	if _, err := c.Describe(context.Background(), "Account"); err != nil {
		t.Fatalf("describe after expiry: %v", err)
	}
	if got := statusCount(srv, "describe", 401); got != 1 {
		t.Errorf("401 answers = %d, want 1", got)
	}
	if got := statusCount(srv, "token", 200); got != 1 {
		t.Errorf("token requests = %d, want 1", got)
	}
}

// TestRefreshTokenRotationPersisted runs the refresh_token flow with
// rotation against a real state file: each rotated token is saved, and a
// restarted client starts from the stored token, not the configured one
// (which Salesforce has invalidated).
func TestRefreshTokenRotationPersisted(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{RefreshToken: emuRefreshToken, RotateRefreshTokens: true, Accounts: 2, Seed: 4})
	path := filepath.Join(t.TempDir(), "state.db")
	db := store.New(path)
	if err := db.Open(); err != nil {
		t.Fatalf("open store: %v", err)
	}
	defer db.Close()
	logger, logs := newTestLogger()
	refreshFlow := func(o *Options) {
		o.Flow, o.RefreshToken, o.Tokens, o.Logger = FlowRefreshToken, emuRefreshToken, db, logger
	}
	c := mustClient(t, srv, refreshFlow)
	ctx := context.Background()
	first, err := db.RefreshToken(ctx)
	if err != nil || first == "" || first == emuRefreshToken {
		t.Fatalf("stored refresh token after Open = %q, %v; want a rotated token", first, err)
	}

	srv.RevokeTokens()
	queryAll(t, c, "SELECT Id FROM Account")
	second, err := db.RefreshToken(ctx)
	if err != nil || second == "" || second == first {
		t.Fatalf("stored refresh token after a refresh = %q, %v; want a new rotated token", second, err)
	}
	c.Close()

	// The configured token was rotated out: using it again would make the
	// emulator (like Salesforce) revoke the family. Open must use the
	// stored one.
	before := statusCount(srv, "token", 400)
	c2 := mustClient(t, srv, refreshFlow)
	queryAll(t, c2, "SELECT Id FROM Account")
	if got := statusCount(srv, "token", 400) - before; got != 0 {
		t.Fatalf("%d rejected token requests on restart, want 0", got)
	}
	third, _ := db.RefreshToken(ctx)
	if third == second || third == "" {
		t.Fatalf("stored token after restart = %q, want a rotation of %q", third, second)
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		fi, err := os.Stat(path + suffix)
		if errors.Is(err, os.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s mode = %v, want 0600 (it holds the refresh token)", filepath.Base(path+suffix), got)
		}
	}
	assertNoSecrets(t, "log", logs.String(), emuRefreshToken, first, second, third, c2.access)
	if !strings.Contains(logs.String(), "saved the new refresh token") {
		t.Errorf("log does not mention saving the rotated token:\n%s", logs)
	}
}

// TestStoredTokenRejectedFallsBackOnce checks Open's single fallback from a
// dead stored refresh token to the configured one, which is then stored.
func TestStoredTokenRejectedFallsBackOnce(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{RefreshToken: emuRefreshToken})
	db := store.New(filepath.Join(t.TempDir(), "state.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.SaveRefreshToken(ctx, "5Aep861long-dead-token"); err != nil {
		t.Fatal(err)
	}
	mustClient(t, srv, func(o *Options) { o.Flow, o.RefreshToken, o.Tokens = FlowRefreshToken, emuRefreshToken, db })
	if got := statusCount(srv, "token", 400); got != 1 {
		t.Errorf("rejected token requests = %d, want 1 (the stored token)", got)
	}
	if got, _ := db.RefreshToken(ctx); got != emuRefreshToken {
		t.Errorf("stored token = %q, want the configured one", got)
	}
}
