package salesforce

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
)

func TestDefaultAudience(t *testing.T) {
	for _, tc := range []struct{ loginURL, want string }{
		{"https://login.salesforce.com", ProductionAudience},
		{"https://test.salesforce.com", SandboxAudience},
		{"https://TEST.salesforce.com/", SandboxAudience},
		{"https://acme.my.salesforce.com", ProductionAudience},
		{"https://acme--uat.sandbox.my.salesforce.com", SandboxAudience},
		{"https://acme--uat.sandbox.my.salesforce.com/some/path", SandboxAudience},
		{"https://acme--Dev.Sandbox.My.Salesforce.com:443", SandboxAudience},
		{"https://acme.lightning.force.com", ProductionAudience},
		{"https://acme--uat.sandbox.lightning.force.com", ProductionAudience},
		{"https://sandbox.my.salesforce.com.evil.example", ProductionAudience},
		{"http://127.0.0.1:8443", ProductionAudience},
		{"", ProductionAudience},
		{"::not a url", ProductionAudience},
	} {
		if got := DefaultAudience(tc.loginURL); got != tc.want {
			t.Errorf("DefaultAudience(%q) = %q, want %q", tc.loginURL, got, tc.want)
		}
	}
}

// TestClientCredentialsOnGenericHost opens a client against the emulator
// playing login.salesforce.com and test.salesforce.com: Open fails after
// one token request with an AuthError whose hint names the My Domain forms;
// a My Domain serves the same client.
func TestClientCredentialsOnGenericHost(t *testing.T) {
	for _, host := range []string{"login.salesforce.com", "test.salesforce.com"} {
		t.Run(host, func(t *testing.T) {
			srv := mustEmulator(t, sftest.Options{LoginHost: host, Accounts: 1})
			c := New(Options{LoginURL: srv.URL(), Flow: FlowClientCredentials, ClientID: emuClientID, ClientSecret: emuClientSecret})
			err := c.Open(context.Background())
			var ae *AuthError
			if !errors.As(err, &ae) || Classify(err) != ClassAuth {
				t.Fatalf("open = %v, want a ClassAuth *AuthError", err)
			}
			if ae.Status != 400 || ae.Code != "invalid_grant" || ae.Description != "request not supported on this domain" {
				t.Fatalf("auth error = %+v", ae)
			}
			for _, want := range []string{"https://NAME.my.salesforce.com", "https://NAME--SANDBOX.sandbox.my.salesforce.com", "My Domain"} {
				if !strings.Contains(ae.Hint, want) {
					t.Errorf("hint %q lacks %q", ae.Hint, want)
				}
			}
			if !strings.HasSuffix(err.Error(), "; "+ae.Hint) {
				t.Errorf("Error() = %q, want it to end with the hint", err.Error())
			}
			if got := statusCount(srv, "token", 400); got != 1 {
				t.Errorf("rejected token requests = %d, want 1", got)
			}
			assertNoSecrets(t, "auth error", err.Error(), emuClientSecret)
		})
	}
	t.Run("MyDomain", func(t *testing.T) {
		srv := mustEmulator(t, sftest.Options{LoginHost: "acme.my.salesforce.com", Accounts: 1})
		mustClient(t, srv, nil)
	})
}

// TestJWTAudience runs the JWT bearer flow over HTTP against a production
// and a sandbox emulator: the default audience of a login URL that names
// neither is production's; a refused audience comes back with a hint naming
// the right one.
func TestJWTAudience(t *testing.T) {
	keyPEM, certPEM := mustKeyCert(t)
	cases := []struct {
		name     string
		sandbox  bool
		audience string
		hint     string // "" : accepted
	}{
		{"ProductionDefault", false, "", ""},
		{"ProductionExplicit", false, ProductionAudience + "/", ""},
		{"ProductionGivenSandbox", false, SandboxAudience, "a production org needs " + ProductionAudience},
		{"ProductionGivenMyDomain", false, "https://acme.my.salesforce.com", "use " + ProductionAudience + " for production or " + SandboxAudience + " for a sandbox"},
		{"SandboxDefault", true, "", "a sandbox needs " + SandboxAudience},
		{"SandboxExplicit", true, SandboxAudience, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := mustEmulator(t, sftest.Options{Sandbox: tc.sandbox, Username: emuUsername, JWTCertificatePEM: certPEM, Accounts: 1})
			jwtFlow := func(o *Options) {
				o.Flow, o.ClientSecret, o.Username, o.PrivateKeyPEM, o.JWTAudience = FlowJWTBearer, "", emuUsername, keyPEM, tc.audience
			}
			if tc.hint == "" {
				mustClient(t, srv, jwtFlow)
				return
			}
			opts := Options{LoginURL: srv.URL(), ClientID: emuClientID}
			jwtFlow(&opts)
			err := New(opts).Open(context.Background())
			var ae *AuthError
			if !errors.As(err, &ae) || ae.Code != "invalid_grant" || ae.Description != "audience is invalid" {
				t.Fatalf("open = %v, want invalid_grant audience is invalid", err)
			}
			if !strings.Contains(ae.Hint, tc.hint) || !strings.Contains(err.Error(), ae.Hint) {
				t.Fatalf("hint %q (error %q), want it to contain %q", ae.Hint, err, tc.hint)
			}
		})
	}
}

func TestAuthErrorHint(t *testing.T) {
	base := AuthError{Flow: FlowPassword, Status: 400, Code: "invalid_grant", Description: "authentication failure"}
	if got, want := base.Error(), "salesforce auth (password): http 400: invalid_grant: authentication failure"; got != want {
		t.Errorf("without a hint: %q, want %q", got, want)
	}
	if h := authHint(FlowPassword, "authentication failure", "https://login.salesforce.com", ProductionAudience); h != "" {
		t.Errorf("hint for a wrong password = %q, want none", h)
	}
	if h := authHint(FlowJWTBearer, descDomain, "https://login.salesforce.com", ProductionAudience); h != "" {
		t.Errorf("domain hint for the JWT flow = %q, want none (the flow works on generic hosts)", h)
	}
	withHint := base
	withHint.Hint = "do this"
	if got, want := withHint.Error(), base.Error()+"; do this"; got != want {
		t.Errorf("with a hint: %q, want %q", got, want)
	}
}
