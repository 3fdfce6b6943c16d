package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// login is a salesforce section with a login URL and a flow, with every
// credential the flows need.
func login(url, flow string, extra ...string) string {
	return "salesforce:\n  login_url: " + url + "\n  auth:\n    flow: " + flow +
		"\n    client_id: id\n    client_secret: s\n    username: u\n    password: p\n    refresh_token: r\n" +
		"    private_key_file: /k.pem\n" + strings.Join(extra, "")
}

func TestLoginURL(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       string // substring of the error; "" for none
	}{
		{"MyDomain", login("https://acme.my.salesforce.com", "client_credentials"), ""},
		{"SandboxMyDomain", login("https://acme--uat.sandbox.my.salesforce.com", "client_credentials"), ""},
		{"ClientCredentialsOnLogin", login("https://login.salesforce.com", "client_credentials"),
			`lifecycled.yaml:2: salesforce.login_url: the client_credentials flow needs your org's My Domain, not login.salesforce.com`},
		{"ClientCredentialsOnTest", login("https://TEST.salesforce.com/", "client_credentials"),
			"https://NAME--SANDBOX.sandbox.my.salesforce.com"},
		{"JWTOnLogin", login("https://login.salesforce.com", "jwt_bearer"), ""},
		{"RefreshTokenOnTest", login("https://test.salesforce.com", "refresh_token"), ""},
		{"LightningClientCredentials", login("https://acme.lightning.force.com", "client_credentials"),
			"lifecycled.yaml:2: salesforce.login_url: acme.lightning.force.com is the Lightning UI host, not a login host: use your My Domain login URL, https://NAME.my.salesforce.com"},
		{"LightningJWT", login("https://acme--uat.sandbox.lightning.force.com", "jwt_bearer"), "is the Lightning UI host"},
		{"Missing", "salesforce:\n  auth:\n    client_id: id\n    client_secret: s\n",
			"lifecycled.yaml:1: salesforce.login_url: required: your My Domain login URL, https://NAME.my.salesforce.com"},
		{"NotAURL", login("acme.my.salesforce.com", "jwt_bearer"), "salesforce.login_url: want your My Domain login URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), "lifecycled.yaml", env(nil))
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Parse: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			case err != nil && strings.Count(err.Error(), "\n") > 0:
				t.Errorf("more than one line: %v", err)
			}
		})
	}
	// Offline commands do without a login URL, even one naming an unset
	// variable, but not with a wrong one.
	if _, err := parseOffline("salesforce:\n  login_url: https://${UNSET_DOMAIN}.my.salesforce.com\n", nil); err != nil {
		t.Errorf("offline, unset login URL: %v", err)
	}
	if _, err := parseOffline("salesforce:\n  login_url: https://login.salesforce.com\n", nil); err == nil {
		t.Error("offline, client credentials on login.salesforce.com: no error")
	}
}

func TestAudience(t *testing.T) {
	c := mustParse(t, login("https://login.salesforce.com", "jwt_bearer", "    audience: https://test.salesforce.com\n"))
	if c.Salesforce.Auth.Audience != "https://test.salesforce.com" || len(c.Warnings()) != 0 {
		t.Fatalf("audience = %q, warnings %v", c.Salesforce.Auth.Audience, c.Warnings())
	}
	if c := mustParse(t, login("https://login.salesforce.com", "jwt_bearer")); c.Salesforce.Auth.Audience != "" {
		t.Fatalf("default audience = %q, want empty (the connector derives it)", c.Salesforce.Auth.Audience)
	}
	for _, bad := range []string{"http://login.salesforce.com", "login.salesforce.com", "https://"} {
		_, err := Parse([]byte(login("https://login.salesforce.com", "jwt_bearer", "    audience: "+bad+"\n")), "lifecycled.yaml", env(nil))
		if err == nil || !strings.Contains(err.Error(), "lifecycled.yaml:11: salesforce.auth.audience: want an https URL") {
			t.Errorf("audience %q: %v", bad, err)
		}
	}
	c = mustParse(t, login("https://acme.my.salesforce.com", "client_credentials", "    audience: https://login.salesforce.com\n"))
	w := c.Warnings()
	if len(w) != 1 || w[0].Line != 11 || w[0].Key != "salesforce.auth.audience" || !strings.Contains(w[0].Error(), "only the jwt_bearer flow uses it") {
		t.Fatalf("warnings = %v, want one for salesforce.auth.audience at line 11", w)
	}
}

func TestPasswordFlowWarning(t *testing.T) {
	c := mustParse(t, login("https://acme.my.salesforce.com", "password"))
	w := c.Warnings()
	if len(w) != 1 || w[0].Line != 4 || w[0].Key != "salesforce.auth.flow" ||
		!strings.Contains(w[0].Error(), "blocked by default in new orgs") || !strings.Contains(w[0].Error(), "security token") {
		t.Fatalf("warnings = %v", w)
	}
	if strings.Contains(w[0].Error(), ": p ") {
		t.Errorf("warning shows the password: %v", w[0])
	}
	// Validate starts over: fixing the flow clears the warning.
	c.Salesforce.Auth.Flow = "jwt_bearer"
	if err := c.Validate(); err != nil || len(c.Warnings()) != 0 {
		t.Fatalf("after the fix: %v, warnings %v", err, c.Warnings())
	}
}

func TestReadSecretFile(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "secret")
	os.WriteFile(ok, []byte("s3cr3t-value \r\n\n"), 0o600)
	if b, err := ReadSecretFile(ok); err != nil || string(b) != "s3cr3t-value" {
		t.Fatalf("ReadSecretFile = %q, %v", b, err)
	}
	exact := filepath.Join(dir, "exact")
	os.WriteFile(exact, []byte(strings.Repeat("k", MaxSecretFileSize)), 0o600)
	if b, err := ReadSecretFile(exact); err != nil || len(b) != MaxSecretFileSize {
		t.Fatalf("64 KiB file: %d bytes, %v", len(b), err)
	}
	big := filepath.Join(dir, "big")
	f, _ := os.Create(big)
	f.Truncate(1 << 30) // 1 GiB, sparse
	f.Close()
	for _, path := range []string{big, "/dev/zero"} {
		if _, err := os.Stat(path); err != nil {
			t.Logf("skip %s: %v", path, err)
			continue
		}
		_, err := ReadSecretFile(path)
		if !errors.Is(err, ErrSecretFileTooLarge) || !strings.Contains(err.Error(), path) {
			t.Errorf("ReadSecretFile(%s) = %v, want ErrSecretFileTooLarge naming the file", path, err)
		}
	}
	if _, err := ReadSecretFile(filepath.Join(dir, "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	a := Auth{Flow: "client_credentials", ClientID: "id", ClientSecretFile: "/dev/zero"}
	if _, err := a.ResolveSecrets(ReadSecretFile); err == nil || !strings.HasPrefix(err.Error(), "salesforce.auth.client_secret_file: /dev/zero: larger than 64 KiB") {
		t.Errorf("ResolveSecrets(/dev/zero) = %v", err)
	}
	a.ClientSecretFile = ok
	if got, err := a.ResolveSecrets(nil); err != nil || got.ClientSecret != "s3cr3t-value" {
		t.Errorf("ResolveSecrets(nil) = %q, %v", got.ClientSecret, err)
	}
}
