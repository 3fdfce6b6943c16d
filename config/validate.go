package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/lifecycled/lifecycled/mapping"
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

var (
	apiVersionRE = regexp.MustCompile(`^[0-9]{2,3}\.[0-9]$`)
	objectRE     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
)

// MaxBatchSize is the most records one sObject Collections request takes.
// See "Update Multiple Records" in the REST API Developer Guide
// (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_update.htm).
const MaxBatchSize = 200

// Validate checks every setting and compiles the rules. Errors name the
// file, the line (when the config was read from a file) and the cause; they
// never contain a secret's value.
func (c *Config) Validate() error { return c.validate(false) }

func (c *Config) validate(offline bool) error {
	var errs []error
	bad := func(key, format string, args ...any) { errs = append(errs, c.errorAt(key, format, args...)) }

	sf := c.Salesforce
	if u, err := url.Parse(sf.LoginURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		bad("salesforce.login_url", "want a URL like https://login.salesforce.com, got %q", sf.LoginURL)
	}
	if !apiVersionRE.MatchString(sf.APIVersion) {
		bad("salesforce.api_version", "want a version like \"62.0\", got %q", sf.APIVersion)
	}
	if !objectRE.MatchString(sf.Object) {
		bad("salesforce.object", "want an object API name like Account, got %q", sf.Object)
	}
	errs = append(errs, c.checkAuth(offline)...)

	for _, f := range []struct{ key, api string }{{"tags.field", c.Tags.Field}, {"status.field", c.Status.Field}} {
		if !objectRE.MatchString(f.api) {
			bad(f.key, "want a field API name like Lifecycle_Tags__c, got %q", f.api)
		}
	}
	if strings.TrimSpace(c.Tags.Separator) == "" {
		bad("tags.separator", "must not be empty or white space")
	}

	s := &c.Sync
	if s.Interval < time.Second {
		bad("sync.interval", "must be at least 1s, got %s", s.Interval)
	}
	if s.FullResync <= 0 {
		bad("sync.full_resync", "must be positive, got %s", s.FullResync)
	} else if s.FullResync < s.Interval {
		bad("sync.full_resync", "must not be shorter than sync.interval (%s), got %s", s.Interval, s.FullResync)
	}
	if loc, err := loadLocation(s.Timezone); err != nil {
		bad("sync.timezone", "%v", err)
	} else {
		s.Location = loc
	}
	if s.BatchSize < 1 || s.BatchSize > MaxBatchSize {
		bad("sync.batch_size", "must be between 1 and %d (the most one Salesforce request takes), got %d", MaxBatchSize, s.BatchSize)
	}
	if !(s.MaxAPIShare > 0 && s.MaxAPIShare <= 1) {
		bad("sync.max_api_share", "must be more than 0 and at most 1 (a share of the daily API limit), got %v", s.MaxAPIShare)
	}
	if strings.TrimSpace(c.State.Path) == "" {
		bad("state.path", "must not be empty")
	}
	if _, _, err := net.SplitHostPort(c.Server.Listen); err != nil {
		bad("server.listen", "want host:port like 127.0.0.1:9090, got %q", c.Server.Listen)
	}

	if _, err := mapping.Compile(c.Definition()); err != nil {
		var re *mapping.RuleError
		switch {
		case errors.As(err, &re) && strings.HasPrefix(re.Source, DefaultPackName):
			errs = append(errs, fmt.Errorf("%s: the default rule pack (used because derived, tags.smart_lists and status.rules are all omitted) does not fit this config: %w", c.name(), err))
		case errors.As(err, &re):
			errs = append(errs, err)
		default:
			errs = append(errs, &Error{File: c.name(), Line: c.line("fields"), Key: "rules", Err: err})
		}
	}
	return errors.Join(errs...)
}

func (c *Config) name() string {
	if c.Path == "" {
		return "(config)"
	}
	return c.Path
}

// loadLocation loads an IANA zone name such as Europe/Paris.
func loadLocation(name string) (*time.Location, error) {
	if name == "" {
		return nil, errors.New("must not be empty (UTC, or a zone name like Europe/Paris)")
	}
	if name == "Local" {
		return nil, errors.New("Local depends on the machine: name the zone, like Europe/Paris")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q (want UTC or a zone name like Europe/Paris)", name)
	}
	return loc, nil
}

// checkAuth checks the flow and, unless offline, that the flow's credentials
// are configured (a secret either directly or as a file, not both).
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
	if offline {
		return errs
	}
	for _, key := range a.missing(need, false) {
		errs = append(errs, c.errorAt("salesforce.auth", "the %s flow needs %s", a.Flow, key))
	}
	return errs
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

// ResolveSecrets returns a copy of a with every secret given as a *_file
// read from that file (trailing white space dropped), and checks that the
// flow has what it needs. Errors name the key and file, never a secret.
func (a Auth) ResolveSecrets(readFile func(string) ([]byte, error)) (Auth, error) {
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
