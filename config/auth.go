package config

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
)

// The OAuth flows lifecycled supports, and the keys each needs (a secret key
// may be given as its *_file instead). See "OAuth Authorization Flows" in
// Salesforce Help (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flows.htm).
var flows = map[string][]string{
	"client_credentials": {"client_id", "client_secret"},
	"jwt_bearer":         {"client_id", "username", "private_key_file"},
	"refresh_token":      {"client_id", "refresh_token"},
	"password":           {"client_id", "client_secret", "username", "password"},
}

// myDomainForms is what a login URL error tells the user to write.
const myDomainForms = "your My Domain login URL, https://NAME.my.salesforce.com (sandboxes https://NAME--SANDBOX.sandbox.my.salesforce.com; Setup > My Domain shows it)"

// checkLogin checks salesforce.login_url: required unless offline, an
// http(s) URL, not the Lightning UI host, and a My Domain for the client
// credentials flow, which Salesforce refuses on login.salesforce.com and
// test.salesforce.com ("request not supported on this domain"): its token
// request goes to the org's My Domain. See "OAuth 2.0 Client Credentials
// Flow for Server-to-Server Integration" in Salesforce Help
// (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm).
func (c *Config) checkLogin(offline bool) []error {
	const key = "salesforce.login_url"
	raw := c.Salesforce.LoginURL
	if raw == "" {
		if offline {
			return nil
		}
		return []error{c.errorAt(key, "required: %s", myDomainForms)}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return []error{c.errorAt(key, "want %s; got %q", myDomainForms, raw)}
	}
	host := strings.ToLower(u.Hostname())
	switch {
	case strings.HasSuffix(host, ".lightning.force.com"):
		return []error{c.errorAt(key, "%s is the Lightning UI host, not a login host: use %s", host, myDomainForms)}
	case (host == "login.salesforce.com" || host == "test.salesforce.com") && c.Salesforce.Auth.Flow == "client_credentials":
		return []error{c.errorAt(key, "the client_credentials flow needs your org's My Domain, not %s (Salesforce answers \"request not supported on this domain\"): use %s", host, myDomainForms)}
	}
	return nil
}

// checkAuth checks the flow, the audience and, unless offline, that the
// flow's credentials are configured (a secret either directly or as a file,
// not both). It leaves warnings for settings that do not fit the flow.
func (c *Config) checkAuth(offline bool) []error {
	a := c.Salesforce.Auth
	need, ok := flows[a.Flow]
	if !ok {
		return []error{c.errorAt("salesforce.auth.flow", "unknown flow %q (want client_credentials, jwt_bearer, refresh_token or password)", a.Flow)}
	}
	var errs []error
	for _, p := range a.secretPairs() {
		if p.value != "" && p.file != "" {
			errs = append(errs, c.errorAt("salesforce.auth."+p.key, "set %s or %s_file, not both", p.key, p.key))
		}
	}
	if a.Audience != "" {
		if u, err := url.Parse(a.Audience); err != nil || u.Scheme != "https" || u.Host == "" {
			errs = append(errs, c.errorAt("salesforce.auth.audience", "want an https URL like https://login.salesforce.com (or empty to derive it from the login URL), got %q", a.Audience))
		} else if a.Flow != "jwt_bearer" {
			c.warnAt("salesforce.auth.audience", "only the jwt_bearer flow uses it; the %s flow ignores it", a.Flow)
		}
	}
	if a.Flow == "password" {
		// "Salesforce Platform: Migrate from OAuth Username-Password to
		// Client Credentials Flow" (https://help.salesforce.com/s/articleView?id=000886201&type=1).
		c.warnAt("salesforce.auth.flow", "the password flow is blocked by default in new orgs and being retired by Salesforce; "+
			"the password must have the user's security token appended; prefer client_credentials or jwt_bearer")
	}
	if offline {
		return errs
	}
	for _, key := range a.missing(need, false) {
		errs = append(errs, c.errorAt("salesforce.auth", "the %s flow needs %s", a.Flow, key))
	}
	return errs
}

// warnAt records a warning at a key's line.
func (c *Config) warnAt(key, format string, args ...any) {
	c.warnings = append(c.warnings, &Error{File: c.name(), Line: c.lineOf(key), Key: key, Err: fmt.Errorf(format, args...)})
}

type secretPair struct {
	key         string
	value, file string
	dst         *string
}

func (a *Auth) secretPairs() []secretPair {
	return []secretPair{
		{"client_secret", a.ClientSecret, a.ClientSecretFile, &a.ClientSecret},
		{"password", a.Password, a.PasswordFile, &a.Password},
		{"refresh_token", a.RefreshToken, a.RefreshTokenFile, &a.RefreshToken},
	}
}

// missing lists the keys of need that are not set. A secret counts as set
// when its *_file is, unless resolved (its value must then be there).
func (a Auth) missing(need []string, resolved bool) []string {
	set := map[string]bool{
		"client_id": a.ClientID != "", "username": a.Username != "", "private_key_file": a.PrivateKeyFile != "",
	}
	for _, p := range a.secretPairs() {
		set[p.key] = p.value != "" || !resolved && p.file != ""
	}
	var out []string
	for _, key := range need {
		if !set[key] {
			if key == "client_secret" || key == "password" || key == "refresh_token" {
				key += " (or " + key + "_file)"
			}
			out = append(out, key)
		}
	}
	return out
}

// MaxSecretFileSize is the largest secret file ReadSecretFile reads.
const MaxSecretFileSize = 64 << 10

// ErrSecretFileTooLarge is returned by ReadSecretFile for a file larger than
// MaxSecretFileSize (or an endless one, like /dev/zero).
var ErrSecretFileTooLarge = errors.New("larger than 64 KiB: a secret file holds one secret or key")

// ReadSecretFile reads a secret file (a *_file key, or a private key file)
// of at most MaxSecretFileSize bytes and drops trailing white space. It
// never reads more than one byte past the cap, so a device or a huge file
// is an error wrapping ErrSecretFileTooLarge, not an exhausted memory.
// Errors name the path, never the contents.
func ReadSecretFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxSecretFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(b) > MaxSecretFileSize {
		return nil, fmt.Errorf("%s: %w", path, ErrSecretFileTooLarge)
	}
	return []byte(strings.TrimRight(string(b), " \t\r\n")), nil
}

// ResolveSecrets returns a copy of a with every secret given as a *_file
// read from that file with readFile (trailing white space dropped), and
// checks that the flow has what it needs. readFile should be
// ReadSecretFile, which caps the size; nil means ReadSecretFile. Errors
// name the key and file, never a secret.
func (a Auth) ResolveSecrets(readFile func(string) ([]byte, error)) (Auth, error) {
	if readFile == nil {
		readFile = ReadSecretFile
	}
	for _, p := range a.secretPairs() {
		if p.file == "" {
			continue
		}
		if p.value != "" {
			return Auth{}, fmt.Errorf("salesforce.auth: set %s or %s_file, not both", p.key, p.key)
		}
		b, err := readFile(p.file)
		if err != nil {
			return Auth{}, fmt.Errorf("salesforce.auth.%s_file: %w", p.key, err)
		}
		v := strings.TrimRight(string(b), " \t\r\n")
		if v == "" {
			return Auth{}, fmt.Errorf("salesforce.auth.%s_file: %s is empty", p.key, p.file)
		}
		*p.dst = v
	}
	need, ok := flows[a.Flow]
	if !ok {
		return Auth{}, fmt.Errorf("salesforce.auth.flow: unknown flow %q", a.Flow)
	}
	if m := a.missing(need, true); len(m) > 0 {
		return Auth{}, fmt.Errorf("salesforce.auth: the %s flow needs %s", a.Flow, strings.Join(m, ", "))
	}
	return a, nil
}
