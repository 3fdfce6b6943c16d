package sftest

import (
	"net/http"
	"strings"
	"testing"
)

func TestServerAnswersATokenAndAQuery(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 3, Seed: 1})
	tok := MustToken(t, s)
	resp := call(t, s, tok, http.MethodGet, queryPath("SELECT Id, Name FROM Account"), nil)
	if resp.status != http.StatusOK {
		t.Fatalf("query: status %d: %s", resp.status, resp.body)
	}
	var qr queryResult
	mustJSON(t, resp.body, &qr)
	if got, want := qr.TotalSize, 3; got != want {
		t.Fatalf("totalSize = %d, want %d", got, want)
	}
	if !qr.Done || len(qr.Records) != 3 {
		t.Fatalf("done = %v with %d records, want true with 3", qr.Done, len(qr.Records))
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	s := NewServer(Options{ClientID: "a", ClientSecret: "b"})
	u := s.URL()
	s.Close()
	s.Close()
	if _, err := http.Get(u + "/services/data/"); err == nil {
		t.Fatal("server still answers after Close")
	}
	if !strings.HasSuffix(s.TokenURL(), "/services/oauth2/token") || !strings.HasPrefix(s.TokenURL(), u) {
		t.Fatalf("TokenURL() = %q for URL %q", s.TokenURL(), u)
	}
}

func TestStartReportsAnAddressInUse(t *testing.T) {
	s, _ := MustServer(t, Options{})
	addr := strings.TrimPrefix(s.URL(), "http://")
	if _, err := Start(addr, Options{}); err == nil {
		t.Fatalf("Start(%s) on a used address succeeded", addr)
	}
}

func TestStartRejectsABadCertificate(t *testing.T) {
	if _, err := Start("127.0.0.1:0", Options{JWTCertificatePEM: []byte("not a pem")}); err == nil {
		t.Fatal("Start with a bad JWT certificate succeeded")
	}
}
