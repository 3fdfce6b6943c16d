package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
)

// TestValidateLoginURL: offline validate refuses the login URLs a real org
// refuses for the chosen flow, with one line naming the key and the URL to
// use, and warns about the password flow.
func TestValidateLoginURL(t *testing.T) {
	for _, tc := range []struct {
		name, url string
		auth      []string
		code      int
		want      []string
	}{
		{"ClientCredentialsOnLogin", "https://login.salesforce.com", clientCredentials, 1,
			[]string{"salesforce.login_url", "https://NAME.my.salesforce.com", "sandbox.my.salesforce.com"}},
		{"ClientCredentialsOnTest", "https://test.salesforce.com", clientCredentials, 1,
			[]string{"salesforce.login_url", "my.salesforce.com"}},
		{"LightningHost", "https://acme.lightning.force.com", clientCredentials, 1,
			[]string{"salesforce.login_url", "lightning.force.com", "my.salesforce.com"}},
		{"MyDomain", "https://acme.my.salesforce.com", clientCredentials, 0, []string{"config is valid"}},
		{"PasswordFlowWarns", "https://acme.my.salesforce.com",
			[]string{"flow: password", "client_id: x", "client_secret: y", "username: u@example.com", "password: p"}, 0,
			[]string{"warning:", "security token"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfgPath, _ := daemonConfig(t, tc.url, tc.auth...)
			r := runBinary(t, nil, nil, "validate", "--config", cfgPath)
			out := r.stdout + r.stderr
			if r.code != tc.code {
				t.Fatalf("validate: exit %d, want %d\n%s", r.code, tc.code, out)
			}
			if tc.code != 0 && strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("validate: want one line, got\n%s", r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("validate output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestLoginRefusalsSayWhatToChange: when the token endpoint refuses the
// login as Salesforce does (client credentials on a generic login host, a
// JWT audience that is not the environment's), `sync` fails with an error
// that says what to change.
func TestLoginRefusalsSayWhatToChange(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Run("ClientCredentialsOnGenericHost", func(t *testing.T) {
		srv := newOrg(t, sftest.Options{Accounts: 5, Seed: 1, LoginHost: sftest.ProductionLoginHost})
		cfgPath, _ := daemonConfig(t, srv.URL(), clientCredentials...)
		r := runBinary(t, nil, nil, "sync", "--config", cfgPath)
		if r.code != 1 || !strings.Contains(r.stderr, "request not supported on this domain") ||
			!strings.Contains(r.stderr, "my.salesforce.com") {
			t.Fatalf("sync: exit %d, stderr %q; want the refusal and the My Domain form", r.code, r.stderr)
		}
	})
	t.Run("JWTAudience", func(t *testing.T) {
		keyPEM, certPEM := selfSigned(t)
		srv := newOrg(t, sftest.Options{Accounts: 5, Seed: 1, Username: "int@example.com", JWTCertificatePEM: certPEM})
		keyFile := filepath.Join(t.TempDir(), "jwt.key")
		if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
			t.Fatal(err)
		}
		jwt := []string{"flow: jwt_bearer", "client_id: " + orgClientID, "username: int@example.com", "private_key_file: " + keyFile}
		// The default audience (production) is what the org wants.
		cfgPath, _ := daemonConfig(t, srv.URL(), jwt...)
		if r := runBinary(t, nil, nil, "sync", "--config", cfgPath); r.code != 0 {
			t.Fatalf("sync with the default audience: exit %d\n%s", r.code, r.stderr)
		}
		// A sandbox audience against a production org is refused, and the
		// error names the audience to use.
		cfgPath, _ = daemonConfig(t, srv.URL(), append(jwt, "audience: https://test.salesforce.com")...)
		r := runBinary(t, nil, nil, "sync", "--config", cfgPath)
		if r.code != 1 || !strings.Contains(r.stderr, "audience") || !strings.Contains(r.stderr, "https://login.salesforce.com") {
			t.Fatalf("sync with the sandbox audience: exit %d, stderr %q", r.code, r.stderr)
		}
	})
}
