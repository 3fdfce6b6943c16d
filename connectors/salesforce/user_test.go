package salesforce

import (
	"testing"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
)

func TestUserIDComesFromTheIdentityURL(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{})
	if got := New(Options{LoginURL: srv.URL(), Flow: FlowClientCredentials}).UserID(); got != "" {
		t.Fatalf("UserID before Open = %q, want empty", got)
	}
	c := mustClient(t, srv, nil)
	if got := c.UserID(); got != sftest.IntegrationUserID {
		t.Fatalf("UserID = %q, want %s", got, sftest.IntegrationUserID)
	}
}

func TestUserIDFromIdentity(t *testing.T) {
	for in, want := range map[string]string{
		"https://login.salesforce.com/id/00Dx0000000BV7z/005x00000012Q9P":             "005x00000012Q9PAAU",
		"https://login.salesforce.com/id/00Dx0000000BV7zEAG/005Dn0000000001IAA":       "005Dn0000000001IAA",
		"https://example.my.salesforce.com/id/00Dx0000000BV7zEAG/005Dn0000000001IAA/": "005Dn0000000001IAA",
		"https://login.salesforce.com/id/00Dx0000000BV7zEAG/001Dn0000000001IAA":       "",
		"https://login.salesforce.com/id/00Dx0000000BV7zEAG":                          "",
		"https://login.salesforce.com/services/00D/005Dn0000000001IAA":                "",
		"https://login.salesforce.com/id/00D/005Dn00000000-1IAA":                      "",
		"":    "",
		"%zz": "",
	} {
		if got := userIDFromIdentity(in); got != want {
			t.Errorf("userIDFromIdentity(%q) = %q, want %q", in, got, want)
		}
	}
}
