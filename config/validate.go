package config

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/lifecycled/lifecycled/mapping"
)

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
// never contain a secret's value. What is questionable but not wrong is
// left in Warnings.
func (c *Config) Validate() error { return c.validate(false) }

func (c *Config) validate(offline bool) error {
	var errs []error
	bad := func(key, format string, args ...any) { errs = append(errs, c.errorAt(key, format, args...)) }

	c.warnings = nil
	sf := c.Salesforce
	if !apiVersionRE.MatchString(sf.APIVersion) {
		bad("salesforce.api_version", "want a version like \"62.0\", got %q", sf.APIVersion)
	}
	if !objectRE.MatchString(sf.Object) {
		bad("salesforce.object", "want an object API name like Account, got %q", sf.Object)
	}
	errs = append(errs, c.checkLogin(offline)...)
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
	for _, t := range []struct {
		key string
		n   int
	}{{"sync.bulk_threshold", s.BulkThreshold}, {"sync.bulk_write_threshold", s.BulkWriteThreshold}} {
		if t.n < -1 {
			bad(t.key, "must be a number of records, or -1 to never use the Bulk API, got %d", t.n)
		}
	}
	if s.RetryRejectedAfter < s.Interval {
		bad("sync.retry_rejected_after", "must not be shorter than sync.interval (%s), got %s", s.Interval, s.RetryRejectedAfter)
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
		return nil, errors.New("the zone Local depends on the machine: name the zone, like Europe/Paris")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q (want UTC or a zone name like Europe/Paris)", name)
	}
	return loc, nil
}
