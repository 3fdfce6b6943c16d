package sftest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// testKey is an RSA key and a self-signed certificate for it, made once.
var testKey struct {
	once    sync.Once
	key     *rsa.PrivateKey
	certPEM []byte
	other   *rsa.PrivateKey
}

func mustKey(tb testing.TB) (*rsa.PrivateKey, []byte) {
	tb.Helper()
	testKey.once.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "lifecycled test"},
			NotBefore: time.Unix(0, 0), NotAfter: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
		if err != nil {
			panic(err)
		}
		other, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		testKey.key, testKey.other = k, other
		testKey.certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	})
	return testKey.key, testKey.certPEM
}

// signJWT builds an RS256 assertion with claims.
func signJWT(tb testing.TB, key *rsa.PrivateKey, alg string, claims map[string]any) string {
	tb.Helper()
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]string{"alg": alg})
	c, _ := json.Marshal(claims)
	input := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		tb.Fatal(err)
	}
	return input + "." + enc.EncodeToString(sig)
}

// tokenFields decodes a token response into a generic map.
func tokenFields(tb testing.TB, body []byte) map[string]any {
	tb.Helper()
	var m map[string]any
	mustJSON(tb, body, &m)
	return m
}

func TestTokenClientCredentials(t *testing.T) {
	s, _ := MustServer(t, Options{})
	status, body := postForm(t, s.TokenURL(), url.Values{
		"grant_type": {"client_credentials"}, "client_id": {testClientID}, "client_secret": {testClientSecret}})
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	m := tokenFields(t, body)
	for _, k := range []string{"access_token", "instance_url", "id", "token_type", "issued_at", "signature", "scope"} {
		if _, ok := m[k]; !ok {
			t.Errorf("response lacks %q: %s", k, body)
		}
	}
	// Salesforce returns no expires_in: the session timeout is the org's.
	if _, ok := m["expires_in"]; ok {
		t.Errorf("response has expires_in: %s", body)
	}
	if _, ok := m["refresh_token"]; ok {
		t.Errorf("client credentials response has a refresh_token: %s", body)
	}
	if got, want := m["instance_url"], s.URL(); got != want {
		t.Errorf("instance_url = %v, want %v", got, want)
	}
	if got, want := m["token_type"], "Bearer"; got != want {
		t.Errorf("token_type = %v, want %v", got, want)
	}
	if got, want := m["issued_at"], "1710498600000"; got != want {
		t.Errorf("issued_at = %v, want %v (milliseconds of the clock)", got, want)
	}
	if id, _ := m["id"].(string); !strings.HasPrefix(id, s.URL()+"/id/00D") {
		t.Errorf("id = %q, want the identity URL %s/id/00D.../005...", id, s.URL())
	}
	tok, _ := m["access_token"].(string)
	if resp := call(t, s, tok, http.MethodGet, "/services/data/v"+testVersion+"/limits", nil); resp.status != http.StatusOK {
		t.Fatalf("limits with the token: status %d: %s", resp.status, resp.body)
	}
}

func TestTokenClientCredentialsInBasicHeader(t *testing.T) {
	s, _ := MustServer(t, Options{})
	req, _ := http.NewRequest(http.MethodPost, s.TokenURL(), strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(testClientID, testClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}
}

func TestTokenErrors(t *testing.T) {
	_, certPEM := mustKey(t)
	s, _ := MustServer(t, Options{Username: "ops@example.com", Password: "pw", RefreshToken: "5Aep-refresh", JWTCertificatePEM: certPEM})
	cases := []struct {
		name      string
		form      url.Values
		err, desc string
	}{
		{"UnknownGrant", url.Values{"grant_type": {"authorization_code"}, "client_id": {testClientID}}, "unsupported_grant_type", "grant type not supported"},
		{"NoGrant", url.Values{"client_id": {testClientID}}, "unsupported_grant_type", "grant type not supported"},
		{"UnknownClient", url.Values{"grant_type": {"client_credentials"}, "client_id": {"nope"}, "client_secret": {testClientSecret}}, "invalid_client_id", "client identifier invalid"},
		{"WrongSecret", url.Values{"grant_type": {"client_credentials"}, "client_id": {testClientID}, "client_secret": {"wrong"}}, "invalid_client", "invalid client credentials"},
		{"MissingSecret", url.Values{"grant_type": {"client_credentials"}, "client_id": {testClientID}}, "invalid_client", "invalid client credentials"},
		{"WrongPassword", url.Values{"grant_type": {"password"}, "client_id": {testClientID}, "client_secret": {testClientSecret},
			"username": {"ops@example.com"}, "password": {"bad"}}, "invalid_grant", "authentication failure"},
		{"WrongUsername", url.Values{"grant_type": {"password"}, "client_id": {testClientID}, "client_secret": {testClientSecret},
			"username": {"x@example.com"}, "password": {"pw"}}, "invalid_grant", "authentication failure"},
		{"UnknownRefreshToken", url.Values{"grant_type": {"refresh_token"}, "client_id": {testClientID}, "refresh_token": {"other"}}, "invalid_grant", "expired access/refresh token"},
		{"RefreshWrongSecret", url.Values{"grant_type": {"refresh_token"}, "client_id": {testClientID}, "client_secret": {"bad"}, "refresh_token": {"5Aep-refresh"}}, "invalid_client", "invalid client credentials"},
		{"GarbageAssertion", url.Values{"grant_type": {jwtBearerGrant}, "assertion": {"a.b.c"}}, "invalid_grant", "invalid assertion"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postForm(t, s.TokenURL(), tc.form)
			if status != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400: %s", status, body)
			}
			m := tokenFields(t, body)
			if m["error"] != tc.err || m["error_description"] != tc.desc {
				t.Fatalf("body = %s, want error %q, error_description %q", body, tc.err, tc.desc)
			}
		})
	}
	t.Run("GetIsRejected", func(t *testing.T) {
		resp := call(t, s, "", http.MethodGet, s.TokenURL(), nil)
		if resp.status != http.StatusBadRequest || !strings.Contains(string(resp.body), `"invalid_request"`) {
			t.Fatalf("GET token: status %d: %s", resp.status, resp.body)
		}
	})
}

func TestTokenPassword(t *testing.T) {
	s, _ := MustServer(t, Options{Username: "ops@example.com", Password: "pw"})
	status, body := postForm(t, s.TokenURL(), url.Values{"grant_type": {"password"}, "client_id": {testClientID},
		"client_secret": {testClientSecret}, "username": {"ops@example.com"}, "password": {"pw"}})
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	if m := tokenFields(t, body); m["access_token"] == "" || m["expires_in"] != nil {
		t.Fatalf("body = %s", body)
	}
}

func TestTokenRefresh(t *testing.T) {
	t.Run("WithoutRotation", func(t *testing.T) {
		s, _ := MustServer(t, Options{RefreshToken: "5Aep-one"})
		for i := 0; i < 2; i++ {
			status, body := postForm(t, s.TokenURL(), url.Values{"grant_type": {"refresh_token"}, "client_id": {testClientID}, "refresh_token": {"5Aep-one"}})
			if status != http.StatusOK {
				t.Fatalf("refresh %d: status %d: %s", i, status, body)
			}
			if _, ok := tokenFields(t, body)["refresh_token"]; ok {
				t.Fatalf("refresh %d returned a refresh_token without rotation: %s", i, body)
			}
		}
	})
	t.Run("RotationRevokesTheOldToken", func(t *testing.T) {
		s, _ := MustServer(t, Options{RefreshToken: "5Aep-one", RotateRefreshTokens: true})
		refresh := func(tok string) (int, map[string]any) {
			status, body := postForm(t, s.TokenURL(), url.Values{"grant_type": {"refresh_token"}, "client_id": {testClientID},
				"client_secret": {testClientSecret}, "refresh_token": {tok}})
			return status, tokenFields(t, body)
		}
		status, m := refresh("5Aep-one")
		next, _ := m["refresh_token"].(string)
		if status != http.StatusOK || next == "" || next == "5Aep-one" {
			t.Fatalf("first refresh: status %d, %v", status, m)
		}
		access, _ := m["access_token"].(string)
		status, m = refresh(next)
		newest, _ := m["refresh_token"].(string)
		if status != http.StatusOK || newest == "" {
			t.Fatalf("refresh with the rotated token: status %d, %v", status, m)
		}
		// Reusing a rotated-out token fails and invalidates the family:
		// the current refresh token and the access tokens it issued.
		if status, m = refresh("5Aep-one"); status != http.StatusBadRequest || m["error"] != "invalid_grant" {
			t.Fatalf("reuse of the first token: status %d, %v", status, m)
		}
		if status, _ = refresh(newest); status != http.StatusBadRequest {
			t.Fatalf("newest token after a reuse: status %d, want 400", status)
		}
		if resp := call(t, s, access, http.MethodGet, "/services/data/v"+testVersion+"/limits", nil); resp.status != http.StatusUnauthorized {
			t.Fatalf("access token of the family after a reuse: status %d, want 401", resp.status)
		}
	})
}

func TestTokenJWTBearer(t *testing.T) {
	key, certPEM := mustKey(t)
	s, clk := MustServer(t, Options{Username: "ops@example.com", JWTCertificatePEM: certPEM})
	exp := clk.Now().Add(3 * time.Minute).Unix()
	good := map[string]any{"iss": testClientID, "sub": "ops@example.com", "aud": "https://login.salesforce.com", "exp": exp}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range good {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	cases := []struct {
		name      string
		assertion string
		err, desc string
	}{
		{"Login", signJWT(t, key, "RS256", good), "", ""},
		{"AudienceTrailingSlash", signJWT(t, key, "RS256", with("aud", "https://login.salesforce.com/")), "", ""},
		{"AudienceArray", signJWT(t, key, "RS256", with("aud", []string{"https://login.salesforce.com"})), "", ""},
		// A production org refuses the sandbox audience, its own URL and a
		// My Domain URL: aud is the login server, whatever host is called.
		{"SandboxAudience", signJWT(t, key, "RS256", with("aud", "https://test.salesforce.com")), "invalid_grant", "audience is invalid"},
		{"OwnURL", signJWT(t, key, "RS256", with("aud", s.URL())), "invalid_grant", "audience is invalid"},
		{"MyDomainURL", signJWT(t, key, "RS256", with("aud", "https://acme.my.salesforce.com")), "invalid_grant", "audience is invalid"},
		{"HTTPLogin", signJWT(t, key, "RS256", with("aud", "http://login.salesforce.com")), "invalid_grant", "audience is invalid"},
		{"NoAudience", signJWT(t, key, "RS256", with("aud", nil)), "invalid_grant", "audience is invalid"},
		{"OtherKey", signJWT(t, testKey.other, "RS256", good), "invalid_grant", "invalid assertion"},
		{"NotRS256", signJWT(t, key, "HS256", good), "invalid_grant", "invalid assertion"},
		{"WrongIssuer", signJWT(t, key, "RS256", with("iss", "someone")), "invalid_client_id", "client identifier invalid"},
		{"WrongSubject", signJWT(t, key, "RS256", with("sub", "x@example.com")), "invalid_grant", "invalid assertion"},
		{"WrongAudience", signJWT(t, key, "RS256", with("aud", "https://example.com")), "invalid_grant", "audience is invalid"},
		{"Expired", signJWT(t, key, "RS256", with("exp", clk.Now().Add(-time.Second).Unix())), "invalid_grant", "expired authorization code"},
		{"Tampered", strings.Replace(signJWT(t, key, "RS256", good), ".", ".e30", 1), "invalid_grant", "invalid assertion"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postForm(t, s.TokenURL(), url.Values{"grant_type": {jwtBearerGrant}, "assertion": {tc.assertion}})
			m := tokenFields(t, body)
			if tc.err == "" {
				if status != http.StatusOK || m["access_token"] == nil || m["expires_in"] != nil {
					t.Fatalf("status %d: %s", status, body)
				}
				return
			}
			if status != http.StatusBadRequest || m["error"] != tc.err || m["error_description"] != tc.desc {
				t.Fatalf("status %d body %s, want 400 %s %q", status, body, tc.err, tc.desc)
			}
		})
	}
}

func TestSecretsStayOutOfErrorBodies(t *testing.T) {
	s, _ := MustServer(t, Options{})
	_, body := postForm(t, s.TokenURL(), url.Values{"grant_type": {"client_credentials"}, "client_id": {testClientID}, "client_secret": {"guess-secret-123"}})
	if strings.Contains(string(body), "guess-secret-123") || strings.Contains(string(body), testClientSecret) {
		t.Fatalf("error body echoes a secret: %s", body)
	}
}
