package sftest

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestLoginHostRefusesClientCredentials plays each generic login host: the
// client credentials grant gets Salesforce's refusal, even with good
// credentials, while the other grants still work there; a My Domain (the
// default, or a named one) serves every grant.
func TestLoginHostRefusesClientCredentials(t *testing.T) {
	cc := url.Values{"grant_type": {"client_credentials"}, "client_id": {testClientID}, "client_secret": {testClientSecret}}
	pw := url.Values{"grant_type": {"password"}, "client_id": {testClientID}, "client_secret": {testClientSecret},
		"username": {"ops@example.com"}, "password": {"pw"}}
	for _, tc := range []struct {
		host    string
		refused bool
	}{
		{"login.salesforce.com", true},
		{"test.salesforce.com", true},
		{"LOGIN.Salesforce.com", true},
		{"", false},
		{"acme.my.salesforce.com", false},
		{"acme--uat.sandbox.my.salesforce.com", false},
	} {
		t.Run("Host"+tc.host, func(t *testing.T) {
			s, _ := MustServer(t, Options{LoginHost: tc.host, Username: "ops@example.com", Password: "pw"})
			status, body := postForm(t, s.TokenURL(), cc)
			if !tc.refused {
				if status != http.StatusOK {
					t.Fatalf("client credentials on %q: status %d: %s", tc.host, status, body)
				}
				return
			}
			m := tokenFields(t, body)
			if status != http.StatusBadRequest || m["error"] != "invalid_grant" || m["error_description"] != "request not supported on this domain" {
				t.Fatalf("client credentials on %q: status %d %s, want 400 invalid_grant \"request not supported on this domain\"", tc.host, status, body)
			}
			if status, body := postForm(t, s.TokenURL(), pw); status != http.StatusOK {
				t.Fatalf("password grant on %q: status %d: %s", tc.host, status, body)
			}
		})
	}
}

// TestSandboxAudience checks that a sandbox accepts exactly
// https://test.salesforce.com as the JWT audience, on any login host.
func TestSandboxAudience(t *testing.T) {
	key, certPEM := mustKey(t)
	for _, host := range []string{"", "test.salesforce.com"} {
		s, clk := MustServer(t, Options{LoginHost: host, Sandbox: true, Username: "ops@example.com", JWTCertificatePEM: certPEM})
		for aud, ok := range map[string]bool{
			"https://test.salesforce.com":                 true,
			"https://test.salesforce.com/":                true,
			"https://login.salesforce.com":                false,
			"https://acme--uat.sandbox.my.salesforce.com": false,
			s.URL(): false,
		} {
			claims := map[string]any{"iss": testClientID, "sub": "ops@example.com", "aud": aud, "exp": clk.Now().Add(3 * time.Minute).Unix()}
			status, body := postForm(t, s.TokenURL(), url.Values{"grant_type": {jwtBearerGrant}, "assertion": {signJWT(t, key, "RS256", claims)}})
			if ok {
				if status != http.StatusOK {
					t.Errorf("host %q aud %q: status %d: %s", host, aud, status, body)
				}
				continue
			}
			if m := tokenFields(t, body); status != http.StatusBadRequest || m["error"] != "invalid_grant" || m["error_description"] != "audience is invalid" {
				t.Errorf("host %q aud %q: status %d %s, want 400 audience is invalid", host, aud, status, body)
			}
		}
	}
}

func TestLoginHostMustBeAHost(t *testing.T) {
	for _, host := range []string{"https://login.salesforce.com", "login.salesforce.com/", "login.salesforce.com:443", "a b", ".x"} {
		if s, err := Start("127.0.0.1:0", Options{LoginHost: host}); err == nil {
			s.Close()
			t.Errorf("Start with LoginHost %q succeeded, want an error", host)
		}
	}
}
