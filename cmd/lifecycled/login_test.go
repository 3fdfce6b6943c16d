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

// TestValidateRemoteRealOrg: validate --remote against an org with record
// types, a 255-character text tags field and a picklist whose labels differ
// from its values lists the record type and the status values it refuses,
// warns that the tags field is short (its length and the longest
// managed-tag set), and warns about a rule that compares the picklist with a
// label. Warnings alone do not fail it.
func TestValidateRemoteRealOrg(t *testing.T) {
	schema := sftest.DefaultSchema()
	acct, _ := schema.Object("Account")
	for _, f := range acct.Fields {
		if f.Name == "Lifecycle_Tags__c" {
			f.Type, f.Length = "string", 255
		}
	}
	srv := newOrg(t, sftest.Options{Schema: schema, Accounts: 10, Seed: 1, PartnerShare: 0.5})
	cfgPath, _ := daemonConfig(t, srv.URL(), clientCredentials...)
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	// A pack whose rule compares health with a label ("Healthy" is the
	// label of the value Good in the emulated org).
	pack := `fields:
  paying: Paying_Customer__c
  health: Customer_Health__c
tags:
  smart_lists:
    - tag: Core-Good
      when: 'paying && health == "Healthy"'
status:
  rules:
    - when: 'has_tag("Core-Good")'
      value: "Core-Good"
`
	if err := os.WriteFile(cfgPath, append(cfg, []byte(pack)...), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runBinary(t, nil, nil, "validate", "--remote", "--config", cfgPath)
	if r.code != 0 {
		t.Fatalf("validate --remote: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		`"Healthy" is the label of the value "Good"`,
		"holds 255 characters; the longest managed-tag set",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("validate --remote lacks %q:\n%s", want, r.stdout)
		}
	}

	// The default pack against the same org: the Partner record type
	// refuses the onboarding and renewal statuses.
	cfgPath, _ = daemonConfig(t, srv.URL(), clientCredentials...)
	r = runBinary(t, nil, nil, "validate", "--remote", "--config", cfgPath)
	if r.code != 0 || !strings.Contains(r.stdout, `record type "Partner"`) || !strings.Contains(r.stdout, `"Renewal-High Risk"`) ||
		strings.Contains(r.stdout, `record type "Customer"`) {
		t.Fatalf("validate --remote (default pack): exit %d, want the Partner record type and its refused values only\n%s%s",
			r.code, r.stdout, r.stderr)
	}
}
