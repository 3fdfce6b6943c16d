package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/mapping"
)

// env is a fixed environment for tests.
func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

// auth is a minimal valid salesforce section.
const auth = `salesforce:
  login_url: https://acme.my.salesforce.com
  auth:
    client_id: id
    client_secret: s3cr3t-value
`

func mustParse(t *testing.T, yaml string) *Config {
	t.Helper()
	c, err := Parse([]byte(yaml), "lifecycled.yaml", env(nil))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func TestDefault(t *testing.T) {
	c := Default()
	if _, err := mapping.Compile(c.Definition()); err != nil {
		t.Fatalf("default pack: %v", err)
	}
	if got, want := len(c.Tags.SmartLists), 14; got != want {
		t.Errorf("smart lists = %d, want %d", got, want)
	}
	if c.Sync.Location != time.UTC || c.Sync.BatchSize != 200 || c.Sync.MaxAPIShare != 0.2 ||
		c.Sync.Interval != 5*time.Minute || c.Sync.FullResync != 24*time.Hour ||
		c.Salesforce.Object != "Account" || c.Salesforce.Auth.Flow != "client_credentials" ||
		c.State.Path != "./lifecycled.db" || c.Server.Listen != "127.0.0.1:9090" {
		t.Errorf("defaults: %+v", c)
	}
	if c.RulesVersion() != Default().RulesVersion() {
		t.Error("RulesVersion is not stable")
	}
	c.Tags.SmartLists[0].Tag = "Changed"
	if Default().Tags.SmartLists[0].Tag == "Changed" {
		t.Error("Default shares its slices between calls")
	}
}

// TestExampleIsTheDefaults: config/example.yaml, with its variables set,
// holds exactly the defaults, so the documented defaults are the real ones.
func TestExampleIsTheDefaults(t *testing.T) {
	c, err := Load("example.yaml", env(map[string]string{"SF_MY_DOMAIN": "acme", "SF_CLIENT_ID": "id", "SF_CLIENT_SECRET": "secret"}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Salesforce.LoginURL, "https://acme.my.salesforce.com"; got != want {
		t.Errorf("login_url = %q, want %q", got, want)
	}
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("example.yaml has warnings: %v", w)
	}
	d := Default()
	c.Salesforce.LoginURL, c.Salesforce.Auth.ClientID, c.Salesforce.Auth.ClientSecret = "", "", ""
	c.Path, c.lines, d.lines = "", nil, nil
	if !reflect.DeepEqual(c, d) {
		t.Fatalf("example.yaml differs from Default():\n%+v\n%+v", c, d)
	}
}

// TestDefaultPackIsAConfig: the embedded pack is a config a user can copy.
func TestDefaultPackIsAConfig(t *testing.T) {
	c := mustParse(t, string(DefaultPackYAML)+auth)
	if c.RulesVersion() != Default().RulesVersion() {
		t.Fatal("a config made of the default pack has other rules than the default")
	}
	if got := c.Tags.SmartLists[0].Source; !strings.HasPrefix(got, "lifecycled.yaml:") {
		t.Errorf("source = %q", got)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string // substrings of the error
	}{
		{"UnknownTopKey", auth + "sinc:\n  interval: 5m\n", []string{"lifecycled.yaml:6: sinc: unknown key"}},
		{"UnknownNestedKey", auth + "sync:\n  intervall: 5m\n", []string{"lifecycled.yaml:7: sync.intervall: unknown key"}},
		{"UnknownKeyInSmartList", auth + "tags:\n  smart_lists:\n    - tag: A\n      when: 'true'\n      wen: 'x'\n",
			[]string{"lifecycled.yaml:10: tags.smart_lists[0].wen: unknown key"}},
		{"BadExpression", auth + "tags:\n  smart_lists:\n    - tag: A\n      when: 'paying &&'\n",
			[]string{`lifecycled.yaml:9: smart list "A": when:`, "column"}},
		{"BadDerivedExpression", auth + "derived:\n  x: 'helth == 1'\n", []string{"lifecycled.yaml:7: derived x: unknown name helth"}},
		{"StatusValueNumber", auth + "status:\n  rules:\n    - when: 'true'\n      value: 30\n",
			[]string{"lifecycled.yaml:9: status.rules[0].value: a status value must be a string", "30 (YAML reads it as int)"}},
		{"StatusValueBool", auth + "status:\n  rules:\n    - when: 'true'\n      value: true\n", []string{"true (YAML reads it as bool)"}},
		{"StatusValueList", auth + "status:\n  rules:\n    - when: 'true'\n      value: [a]\n", []string{"status.rules[0].value", "a list"}},
		{"OtherwiseNumber", auth + "status:\n  otherwise: 1.5\n", []string{"lifecycled.yaml:7: status.otherwise: a status value must be a string"}},
		{"DuplicateTag", auth + "tags:\n  smart_lists:\n    - tag: A\n      when: 'true'\n    - tag: A\n      when: 'false'\n",
			[]string{`lifecycled.yaml:11: smart list 2 "A": duplicate tag`}},
		{"DerivedShadowsField", auth + "derived:\n  paying: 'true'\n", []string{"lifecycled.yaml:7: derived paying: paying shadows the field"}},
		{"BatchSizeZero", auth + "sync:\n  batch_size: 0\n", []string{"lifecycled.yaml:7: sync.batch_size: must be between 1 and 200"}},
		{"BatchSize201", auth + "sync:\n  batch_size: 201\n", []string{"sync.batch_size"}},
		{"BatchSizeText", auth + "sync:\n  batch_size: lots\n", []string{"lifecycled.yaml:7: sync.batch_size: want a whole number"}},
		{"APIShareZero", auth + "sync:\n  max_api_share: 0\n", []string{"lifecycled.yaml:7: sync.max_api_share: must be more than 0"}},
		{"APIShareOverOne", auth + "sync:\n  max_api_share: 1.5\n", []string{"sync.max_api_share"}},
		{"BadTimezone", auth + "sync:\n  timezone: Mars/Olympus\n", []string{"lifecycled.yaml:7: sync.timezone: unknown time zone"}},
		{"BadInterval", auth + "sync:\n  interval: 5 minutes\n", []string{"lifecycled.yaml:7: sync.interval: want a duration"}},
		{"TinyInterval", auth + "sync:\n  interval: 10ms\n", []string{"sync.interval: must be at least 1s"}},
		{"ResyncShorterThanInterval", auth + "sync:\n  interval: 1h\n  full_resync: 30m\n", []string{"lifecycled.yaml:8: sync.full_resync: must not be shorter"}},
		{"UnknownFlow", "salesforce:\n  auth:\n    flow: magic\n", []string{"lifecycled.yaml:3: salesforce.auth.flow: unknown flow \"magic\""}},
		{"MissingSecret", "salesforce:\n  auth:\n    client_id: x\n", []string{"lifecycled.yaml:2: salesforce.auth: the client_credentials flow needs client_secret (or client_secret_file)"}},
		{"JWTNeedsKey", "salesforce:\n  auth:\n    flow: jwt_bearer\n    client_id: x\n    username: u\n", []string{"needs private_key_file"}},
		{"PasswordNeedsPassword", "salesforce:\n  auth:\n    flow: password\n    client_id: x\n    client_secret: y\n    username: u\n", []string{"needs password (or password_file)"}},
		{"SecretAndFile", "salesforce:\n  auth:\n    client_id: x\n    client_secret: s3cr3t-value\n    client_secret_file: /x\n", []string{"salesforce.auth.client_secret: set client_secret or client_secret_file, not both"}},
		{"UnsetVariable", "salesforce:\n  auth:\n    client_id: x\n    client_secret: ${NOPE}\n", []string{"lifecycled.yaml:4: salesforce.auth.client_secret: environment variable NOPE is not set"}},
		{"RepeatedKey", auth + "sync:\n  interval: 5m\n  interval: 6m\n", []string{"lifecycled.yaml:8: sync.interval: repeated key (first at line 7)"}},
		{"WellKnownFieldType", auth + "fields:\n  paying: Paying__c:string\n", []string{"lifecycled.yaml:7: fields.paying: paying is always a bool field"}},
		{"UnknownFieldType", auth + "fields:\n  nps: NPS__c:integer\n", []string{"fields.nps: unknown field type"}},
		{"BadAPIName", auth + "fields:\n  nps: NPS c\n", []string{"fields.nps: want a Salesforce field API name"}},
		{"DefaultPackNeedsFields", auth + "fields:\n  nps: NPS__c:number\n", []string{"the default rule pack", "unknown name"}},
		{"BadLoginURL", strings.Replace(auth, "https://acme.my.salesforce.com", "login.salesforce.com", 1), []string{"lifecycled.yaml:2: salesforce.login_url: want your My Domain login URL"}},
		{"BadListen", auth + "server:\n  listen: 9090\n", []string{"lifecycled.yaml:7: server.listen"}},
		{"SmartListsNotAList", auth + "tags:\n  smart_lists: yes\n", []string{"lifecycled.yaml:7: tags.smart_lists: want a list"}},
		{"SmartListWithoutWhen", auth + "tags:\n  smart_lists:\n    - tag: A\n", []string{"lifecycled.yaml:8: tags.smart_lists[0]: a smart list needs a tag and a when"}},
		{"NotYAML", "a: [\n", []string{"lifecycled.yaml:1: not valid YAML: a [ opened on this line is never closed"}},
		{"RootNotAMapping", "- a\n", []string{"want a mapping"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), "lifecycled.yaml", env(nil))
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "s3cr3t-value") {
				t.Errorf("error shows a secret: %v", err)
			}
		})
	}
}

func TestEnvExpansion(t *testing.T) {
	yaml := "salesforce:\n  login_url: ${LOGIN}\n  auth:\n    client_id: ${ID}\n    client_secret: ${SECRET}\n  where: \"Name LIKE 'A$$%'\"\nstate:\n  path: ${DIR}/db\n"
	c, err := Parse([]byte(yaml), "f.yaml", env(map[string]string{"LOGIN": "https://acme.my.salesforce.com", "ID": "the-id", "SECRET": "s", "DIR": "/var/lib"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Salesforce.Auth.ClientID != "the-id" || c.State.Path != "/var/lib/db" || c.Salesforce.Where != "Name LIKE 'A$%'" {
		t.Fatalf("expanded: %+v", c)
	}
	// Offline, an unset login URL and credentials are fine; other unset
	// variables are not.
	if _, err := parseOffline(yaml, map[string]string{"DIR": "/x"}); err != nil {
		t.Fatalf("offline: %v", err)
	}
	if _, err := parseOffline(yaml, nil); err == nil || !strings.Contains(err.Error(), "DIR is not set") {
		t.Fatalf("offline without DIR: %v", err)
	}
}

func parseOffline(yaml string, vars map[string]string) (*Config, error) {
	return parse([]byte(yaml), "f.yaml", env(vars), true)
}

func TestFields(t *testing.T) {
	c := mustParse(t, auth+"fields:\n  seats: Seats__c\n  nps: NPS__c:number\n  segment: Segment__c\n  arr: ARR__c\n"+
		"tags:\n  smart_lists:\n    - tag: Promoter\n      when: 'nps >= 9 && seats > 10'\n")
	want := []mapping.Field{
		{Name: "seats", APIName: "Seats__c", Type: mapping.TypeNumber},
		{Name: "nps", APIName: "NPS__c", Type: mapping.TypeNumber},
		{Name: "segment", APIName: "Segment__c", Type: mapping.TypeString},
		{Name: "arr", APIName: "ARR__c", Type: mapping.TypeNumber},
	}
	if !reflect.DeepEqual(c.Fields, want) {
		t.Fatalf("fields = %+v", c.Fields)
	}
	if c.RevenueField() != "ARR__c" {
		t.Errorf("revenue field = %q", c.RevenueField())
	}
	// Smart lists given: derived and status rules are empty, not the default pack's.
	if len(c.Derived) != 0 || len(c.Status.Rules) != 0 || len(c.Tags.SmartLists) != 1 {
		t.Errorf("partial pack: %d derived, %d lists, %d rules", len(c.Derived), len(c.Tags.SmartLists), len(c.Status.Rules))
	}
	if got := c.Tags.SmartLists[0].Source; got != "lifecycled.yaml:14" {
		t.Errorf("source = %q", got)
	}
}

func TestVersions(t *testing.T) {
	base := mustParse(t, auth)
	moved := mustParse(t, "\n\n"+auth) // same rules, other lines
	if base.RulesVersion() != moved.RulesVersion() || base.ScopeVersion() != moved.ScopeVersion() {
		t.Error("versions depend on line numbers")
	}
	rules := mustParse(t, auth+"tags:\n  smart_lists:\n    - tag: A\n      when: 'paying'\n")
	if rules.RulesVersion() == base.RulesVersion() || rules.ScopeVersion() != base.ScopeVersion() {
		t.Error("a rule change must change RulesVersion only")
	}
	where := mustParse(t, auth+"  where: \"Type = 'Customer'\"\n")
	if where.ScopeVersion() == base.ScopeVersion() || where.RulesVersion() != base.RulesVersion() {
		t.Error("a where change must change ScopeVersion only")
	}
	field := mustParse(t, auth+"fields:\n  start_date: Start__c\n  renewal_date: Renewal_Date__c\n  paying: Paying_Customer__c\n"+
		"  health: Customer_Health__c\n  active_users: Active_Users__c\n  seats: Licensed_Seats__c\n")
	if field.ScopeVersion() == base.ScopeVersion() || field.RulesVersion() == base.RulesVersion() {
		t.Error("a field mapping change must change both versions")
	}
}

func TestResolveSecrets(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "secret")
	if err := os.WriteFile(file, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := Auth{Flow: "client_credentials", ClientID: "id", ClientSecretFile: file}
	got, err := a.ResolveSecrets(os.ReadFile)
	if err != nil || got.ClientSecret != "from-file" {
		t.Fatalf("ResolveSecrets = %+v, %v", got, err)
	}
	if a.ClientSecret != "" {
		t.Error("ResolveSecrets modified its receiver")
	}
	a.ClientSecretFile = filepath.Join(dir, "missing")
	if _, err := a.ResolveSecrets(os.ReadFile); err == nil || !strings.Contains(err.Error(), "client_secret_file") {
		t.Errorf("missing file: %v", err)
	}
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	a.ClientSecretFile = empty
	if _, err := a.ResolveSecrets(os.ReadFile); err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Errorf("empty file: %v", err)
	}
	b := Auth{Flow: "refresh_token", ClientID: "id", ClientSecret: "s3cr3t-value"}
	if _, err := b.ResolveSecrets(os.ReadFile); err == nil || !strings.Contains(err.Error(), "needs refresh_token") ||
		strings.Contains(err.Error(), "s3cr3t-value") {
		t.Errorf("refresh_token without a token: %v", err)
	}
}

func TestLoad(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "none.yaml"), env(nil))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	path := filepath.Join(t.TempDir(), "lc.yaml")
	os.WriteFile(path, []byte(auth+"sync:\n  batch_size: 0\n"), 0o600)
	if _, err := Load(path, env(nil)); err == nil || !strings.Contains(err.Error(), path+":7: sync.batch_size") {
		t.Fatalf("error does not name the file and line: %v", err)
	}
	c, err := LoadOffline("example.yaml", env(nil))
	if err != nil || c.Path != "example.yaml" {
		t.Fatalf("LoadOffline(example.yaml) = %v", err)
	}
}

func TestValidateAfterEdit(t *testing.T) {
	c := Default()
	c.Salesforce.Auth.ClientID, c.Salesforce.Auth.ClientSecret = "id", "secret"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "salesforce.login_url: required") {
		t.Fatalf("default without a login URL: %v", err)
	}
	c.Salesforce.LoginURL = "https://acme.my.salesforce.com"
	if err := c.Validate(); err != nil {
		t.Fatalf("default with credentials: %v", err)
	}
	c.Sync.BatchSize = 500
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "sync.batch_size") {
		t.Fatalf("batch size 500: %v", err)
	}
}

// FuzzParse: no input makes Parse panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(auth))
	f.Add(DefaultPackYAML)
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("sync: {batch_size: ${X}}\n"))
	f.Add([]byte("fields:\n  x: ${\n"))
	f.Add([]byte(goodYAML))
	f.Add([]byte("sync:\n  interval: 5m\n   batch_size: 1\n\t- x\n-\n  'a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Parse(data, "fuzz.yaml", env(map[string]string{"X": "1"}))
	})
}
