// Package config reads lifecycled's YAML config file: strict decoding (an
// unknown key is an error naming the file, line and key), ${VAR} expansion,
// defaults and validation. It opens no file but the config and no network.
// config/example.yaml documents every key and its default.
package config

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // sync.timezone works where the system has no zone files

	"github.com/lifecycled/lifecycled/mapping"
)

// Config is a loaded config file.
type Config struct {
	Path       string // the file it was read from; "" for Default
	Salesforce Salesforce
	Fields     []mapping.Field // in file order
	Derived    []mapping.Rule
	Tags       Tags
	Status     Status
	Sync       Sync
	State      State
	Server     Server
	Plays      []Play // success plays (plays.go)

	lines    map[string]int // key path -> line, for Validate's errors
	warnings []*Error       // set by Validate
}

// Salesforce is where the accounts live and how to log in.
type Salesforce struct {
	// LoginURL is the org's My Domain login URL, e.g.
	// https://NAME.my.salesforce.com. It has no default: Load requires it
	// (LoadOffline does not).
	LoginURL   string
	APIVersion string // default "62.0"
	Auth       Auth
	Object     string // default Account
	Where      string // extra SOQL condition limiting the managed records; "" none
	// AllowSaveOnDuplicates (default true) sends
	// Sforce-Duplicate-Rule-Header: allowSave=true with every write, so that
	// active duplicate rules do not block lifecycled's writes (it never
	// changes the fields duplicate rules match on).
	AllowSaveOnDuplicates bool
}

// Auth is the OAuth flow and its credentials. The *File fields name files
// holding a secret (one of a value and its file may be set).
type Auth struct {
	Flow             string // client_credentials (default), jwt_bearer, refresh_token or password
	ClientID         string
	ClientSecret     string
	ClientSecretFile string
	Username         string
	Password         string
	PasswordFile     string
	RefreshToken     string
	RefreshTokenFile string
	PrivateKeyFile   string // jwt_bearer: PEM private key signing the assertion
	// Audience is the jwt_bearer assertion's aud claim; "" lets the connector
	// derive it from the login URL (https://login.salesforce.com, or
	// https://test.salesforce.com for sandboxes).
	Audience string
}

// Tags is the managed tags field.
type Tags struct {
	Field      string // default Lifecycle_Tags__c
	Separator  string // default ";"
	SmartLists []mapping.SmartList
}

// Status is the Account Lifecycle Status field.
type Status struct {
	Field     string // default Account_Lifecycle_Status__c
	Rules     []mapping.StatusRule
	Otherwise *string // nil clears the field
	// OtherwiseKeep (`otherwise: keep`, unquoted) leaves the current value
	// alone when no rule matches; Otherwise is then nil.
	OtherwiseKeep bool
}

// Sync is how often and how hard lifecycled syncs.
type Sync struct {
	Interval    time.Duration  // default 5m
	FullResync  time.Duration  // default 24h
	Timezone    string         // default UTC: "today" for every date rule is taken in this zone
	Location    *time.Location // Timezone, loaded
	BatchSize   int            // records a write request, 1..200, default 200
	MaxAPIShare float64        // share of the org's daily API limit lifecycled may use, (0, 1], default 0.2
	// RetryRejectedAfter is how long after a rejected write the account is
	// tried again though nothing changed; default 24h, at least Interval.
	RetryRejectedAfter time.Duration
	// BulkThreshold: a full pull of an object with more records runs as a
	// Bulk API 2.0 query job; BulkWriteThreshold: a cycle with more
	// changed accounts writes them through a Bulk API 2.0 ingest job.
	// Default 10,000 and 2,000; -1 never uses the Bulk API.
	BulkThreshold      int
	BulkWriteThreshold int
}

// State is the local state file.
type State struct {
	Path string // default ./lifecycled.db
}

// Server is the health, metrics and dashboard listener.
type Server struct {
	Listen string // default 127.0.0.1:9090
}

// The defaults of the settings outside the rule pack.
const (
	DefaultAPIVersion         = "62.0"
	DefaultFlow               = "client_credentials"
	DefaultObject             = "Account"
	DefaultInterval           = 5 * time.Minute
	DefaultFullResync         = 24 * time.Hour
	DefaultTimezone           = "UTC"
	DefaultBatchSize          = 200
	DefaultMaxAPIShare        = 0.2
	DefaultRetryRejectedAfter = 24 * time.Hour
	DefaultBulkThreshold      = 10000
	DefaultBulkWriteThreshold = 2000
	DefaultStatePath          = "./lifecycled.db"
	DefaultListen             = "127.0.0.1:9090"
)

// DefaultPackName is the name the default rule pack's errors and rule
// sources carry.
const DefaultPackName = "default-pack.yaml"

// DefaultPackYAML is the default rule pack, in the config language: the
// fields, derived values, smart lists and status rules lifecycled uses when a
// config file sets none of derived, tags.smart_lists and status.rules.
//
//go:embed defaultpack.yaml
var DefaultPackYAML []byte

// Default returns the default configuration: the defaults of every setting
// and the default rule pack, with no login URL and no credentials.
func Default() *Config {
	c := base()
	pack, err := defaultPack()
	if err != nil {
		// The embedded pack is part of the program; TestDefault keeps it valid.
		panic("config: default pack: " + err.Error())
	}
	c.usePack(pack, true, true, false)
	return c
}

// base returns the defaults of everything but the rule pack.
func base() *Config {
	return &Config{
		Salesforce: Salesforce{APIVersion: DefaultAPIVersion, Auth: Auth{Flow: DefaultFlow}, Object: DefaultObject,
			AllowSaveOnDuplicates: true},
		Tags:   Tags{Field: "Lifecycle_Tags__c", Separator: ";"},
		Status: Status{Field: "Account_Lifecycle_Status__c"},
		Sync: Sync{Interval: DefaultInterval, FullResync: DefaultFullResync, Timezone: DefaultTimezone,
			Location: time.UTC, BatchSize: DefaultBatchSize, MaxAPIShare: DefaultMaxAPIShare,
			RetryRejectedAfter: DefaultRetryRejectedAfter, BulkThreshold: DefaultBulkThreshold,
			BulkWriteThreshold: DefaultBulkWriteThreshold},
		State:  State{Path: DefaultStatePath},
		Server: Server{Listen: DefaultListen},
		lines:  map[string]int{},
	}
}

// usePack copies the default pack's fields and rules into c; with rules,
// its status.otherwise too unless keepOtherwise (the file sets it).
func (c *Config) usePack(pack *Config, fields, rules, keepOtherwise bool) {
	if fields {
		c.Fields = slices.Clone(pack.Fields)
	}
	if rules {
		c.Derived = slices.Clone(pack.Derived)
		c.Tags.SmartLists = slices.Clone(pack.Tags.SmartLists)
		c.Status.Rules = slices.Clone(pack.Status.Rules)
		if !keepOtherwise {
			c.Status.Otherwise = pack.Status.Otherwise
			c.Status.OtherwiseKeep = pack.Status.OtherwiseKeep
		}
	}
}

// Definition returns the rules for mapping.Compile. TagsMaxLen is 0: the
// caller sets it from the org's describe result. Location is
// Sync.Location: datetime fields become dates in sync.timezone.
func (c *Config) Definition() mapping.Definition {
	return mapping.Definition{
		Fields:        slices.Clone(c.Fields),
		Derived:       slices.Clone(c.Derived),
		SmartLists:    slices.Clone(c.Tags.SmartLists),
		StatusRules:   slices.Clone(c.Status.Rules),
		Otherwise:     c.Status.Otherwise,
		OtherwiseKeep: c.Status.OtherwiseKeep,
		TagsField:     c.Tags.Field,
		StatusField:   c.Status.Field,
		Separator:     c.Tags.Separator,
		Location:      c.Sync.Location,
	}
}

// RevenueField returns the API name of the field mapped as arr or revenue
// (a number), or "".
func (c *Config) RevenueField() string {
	for _, name := range []string{"arr", "revenue"} {
		for _, f := range c.Fields {
			if f.Name == name && f.Type == mapping.TypeNumber {
				return f.APIName
			}
		}
	}
	return ""
}

// RulesVersion is a hash of everything that decides computed results: the
// field mapping and types, the derived values, smart lists, status rules, the
// output fields and the separator, otherwise keep, and sync.timezone when a
// datetime field is mapped (it decides the day of each dateTime). Sources
// (file lines) do not count; a config without the newer settings keeps the
// hash it had before they existed.
func (c *Config) RulesVersion() string {
	type rule struct{ A, B string }
	v := struct {
		Fields                      []mapping.Field
		Derived, Lists, Rules       []rule
		Otherwise                   *string
		TagsField, Sep, StatusField string
		Keep                        bool   `json:",omitempty"`
		Zone                        string `json:",omitempty"`
	}{Fields: c.Fields, Otherwise: c.Status.Otherwise, TagsField: c.Tags.Field, Sep: c.Tags.Separator, StatusField: c.Status.Field,
		Keep: c.Status.OtherwiseKeep}
	for _, f := range c.Fields {
		if f.Type == mapping.TypeDateTime {
			v.Zone = c.Sync.Timezone
		}
	}
	for _, r := range c.Derived {
		v.Derived = append(v.Derived, rule{r.Name, r.Expr})
	}
	for _, l := range c.Tags.SmartLists {
		v.Lists = append(v.Lists, rule{l.Tag, l.When})
	}
	for _, r := range c.Status.Rules {
		v.Rules = append(v.Rules, rule{r.When, r.Value})
	}
	return hash(v)
}

// ScopeVersion is a hash of what decides which records and fields are
// pulled: the object, the where condition and the mapped API names
// (including the tags and status fields). A change forces a full pull.
func (c *Config) ScopeVersion() string {
	names := []string{strings.ToLower(c.Tags.Field), strings.ToLower(c.Status.Field)}
	for _, f := range c.Fields {
		names = append(names, strings.ToLower(f.APIName))
	}
	slices.Sort(names)
	return hash([]any{strings.ToLower(c.Salesforce.Object), c.Salesforce.Where, names})
}

func hash(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// Warnings returns what the last Validate (or Load) found questionable but
// not wrong, each naming the file, line and key: a setting that has no
// effect with the chosen flow, or a flow Salesforce discourages.
func (c *Config) Warnings() []*Error { return slices.Clone(c.warnings) }
