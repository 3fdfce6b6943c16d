package sftest

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

const invalidSessionBody = `[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`

func TestSessions(t *testing.T) {
	limits := "/services/data/v" + testVersion + "/limits"
	t.Run("UnknownToken", func(t *testing.T) {
		s, _ := MustServer(t, Options{})
		for _, tok := range []string{"", "00Dxx!garbage"} {
			resp := call(t, s, tok, http.MethodGet, limits, nil)
			if resp.status != http.StatusUnauthorized || string(resp.body) != invalidSessionBody {
				t.Fatalf("token %q: status %d body %s, want 401 %s", tok, resp.status, resp.body, invalidSessionBody)
			}
		}
	})
	t.Run("ExpiresAfterTheLifetime", func(t *testing.T) {
		s, clk := MustServer(t, Options{TokenLifetime: 30 * time.Minute})
		tok := MustToken(t, s)
		clk.Advance(30*time.Minute - time.Second)
		if resp := call(t, s, tok, http.MethodGet, limits, nil); resp.status != http.StatusOK {
			t.Fatalf("just before expiry: status %d", resp.status)
		}
		clk.Advance(time.Second)
		if resp := call(t, s, tok, http.MethodGet, limits, nil); resp.status != http.StatusUnauthorized || string(resp.body) != invalidSessionBody {
			t.Fatalf("at expiry: status %d body %s", resp.status, resp.body)
		}
	})
	t.Run("DefaultLifetimeIsTwoHours", func(t *testing.T) {
		s, clk := MustServer(t, Options{})
		tok := MustToken(t, s)
		clk.Advance(2*time.Hour - time.Second)
		if resp := call(t, s, tok, http.MethodGet, limits, nil); resp.status != http.StatusOK {
			t.Fatalf("before two hours: status %d", resp.status)
		}
		clk.Advance(time.Second)
		if resp := call(t, s, tok, http.MethodGet, limits, nil); resp.status != http.StatusUnauthorized {
			t.Fatalf("after two hours: status %d", resp.status)
		}
	})
	t.Run("Revoked", func(t *testing.T) {
		s, _ := MustServer(t, Options{})
		tok := MustToken(t, s)
		s.RevokeTokens()
		if resp := call(t, s, tok, http.MethodGet, limits, nil); resp.status != http.StatusUnauthorized || string(resp.body) != invalidSessionBody {
			t.Fatalf("revoked: status %d body %s", resp.status, resp.body)
		}
		if resp := call(t, s, MustToken(t, s), http.MethodGet, limits, nil); resp.status != http.StatusOK {
			t.Fatalf("a new token after revocation: status %d", resp.status)
		}
	})
	t.Run("OAuthSchemeAccepted", func(t *testing.T) {
		s, _ := MustServer(t, Options{})
		req, _ := http.NewRequest(http.MethodGet, s.URL()+limits, nil)
		req.Header.Set("Authorization", "OAuth "+MustToken(t, s))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("OAuth scheme: status %d", resp.StatusCode)
		}
	})
	t.Run("UnknownVersionIsNotFound", func(t *testing.T) {
		s, _ := MustServer(t, Options{})
		resp := call(t, s, MustToken(t, s), http.MethodGet, "/services/data/v12.0/limits", nil)
		if resp.status != http.StatusNotFound || apiErrors(t, resp.body)[0].ErrorCode != "NOT_FOUND" {
			t.Fatalf("status %d body %s", resp.status, resp.body)
		}
	})
	t.Run("WrongMethod", func(t *testing.T) {
		s, _ := MustServer(t, Options{})
		resp := call(t, s, MustToken(t, s), http.MethodDelete, limits, nil)
		if resp.status != http.StatusMethodNotAllowed || !strings.Contains(string(resp.body), "METHOD_NOT_ALLOWED") {
			t.Fatalf("status %d body %s", resp.status, resp.body)
		}
	})
}
