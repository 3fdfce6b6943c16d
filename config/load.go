package config

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lifecycled/lifecycled/mapping"
	"gopkg.in/yaml.v3"
)

// Error is a problem at one place of a config file.
type Error struct {
	File string
	Line int    // 0 when unknown
	Key  string // e.g. "sync.batch_size"; "" for the whole file
	Err  error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Key != "" {
		b.WriteString(": ")
		b.WriteString(e.Key)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Load reads, decodes and validates the config file at path. lookupEnv
// expands ${VAR} (os.LookupEnv in production). A missing file is an error
// wrapping os.ErrNotExist.
func Load(path string, lookupEnv func(string) (string, bool)) (*Config, error) {
	return load(path, lookupEnv, false)
}

// LoadOffline is Load for commands that never contact Salesforce (eval):
// neither the login URL nor credentials are required, so a value under
// salesforce.auth or salesforce.login_url that names an unset variable is
// empty, and the auth flow's secrets are not checked.
func LoadOffline(path string, lookupEnv func(string) (string, bool)) (*Config, error) {
	return load(path, lookupEnv, true)
}

func load(path string, lookupEnv func(string) (string, bool), offline bool) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return parse(data, path, lookupEnv, offline)
}

// Parse decodes and validates a config file's contents; filename names it
// in errors. Errors name the file, the line and the cause; there may be
// several, joined.
func Parse(data []byte, filename string, lookupEnv func(string) (string, bool)) (*Config, error) {
	return parse(data, filename, lookupEnv, false)
}

func parse(data []byte, filename string, lookupEnv func(string) (string, bool), offline bool) (*Config, error) {
	c, present, err := decode(data, filename, lookupEnv, offline)
	if err != nil {
		return nil, err
	}
	pack, err := defaultPack()
	if err != nil {
		return nil, fmt.Errorf("default pack: %w", err)
	}
	c.usePack(pack, !present["fields"], !present["derived"] && !present["tags.smart_lists"] && !present["status.rules"],
		present["status.otherwise"])
	c.Path = filename
	if err := c.validate(offline); err != nil {
		return nil, err
	}
	return c, nil
}

// defaultPack decodes the embedded default pack.
func defaultPack() (*Config, error) {
	c, _, err := decode(DefaultPackYAML, DefaultPackName, func(string) (string, bool) { return "", false }, false)
	return c, err
}

// decoder walks a YAML node tree into a Config.
type decoder struct {
	file    string
	env     func(string) (string, bool)
	offline bool
	c       *Config
	present map[string]bool
	errs    []error
}

func decode(data []byte, filename string, lookupEnv func(string) (string, bool), offline bool) (*Config, map[string]bool, error) {
	if lookupEnv == nil {
		lookupEnv = func(string) (string, bool) { return "", false }
	}
	d := &decoder{file: filename, env: lookupEnv, offline: offline, c: base(), present: map[string]bool{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, syntaxError(data, filename, err)
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		d.root(doc.Content[0])
	}
	if len(d.errs) > 0 {
		return nil, nil, errors.Join(d.errs...)
	}
	return d.c, d.present, nil
}

// yamlError drops yaml.v3's "yaml: " prefix.
func yamlError(err error) error {
	return errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
}

func (d *decoder) fail(n *yaml.Node, key string, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Key: key, Err: fmt.Errorf(format, args...)})
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return "a value"
}

// mapping calls fields[key] for every key of n, in file order. An unknown or
// repeated key is an error naming it and its line.
func (d *decoder) mapping(n *yaml.Node, path string, fields map[string]func(key string, v *yaml.Node)) {
	d.each(deref(n), path, "keys", func(k, v *yaml.Node) {
		key := join(path, k.Value)
		f, ok := fields[k.Value]
		if !ok {
			d.fail(k, key, "unknown key %q (config/example.yaml lists every key)", k.Value)
			return
		}
		d.present[key] = true
		f(key, v)
	})
}

// each calls fn for every key and value of the mapping n, in file order,
// recording each key's line; what names the keys in errors ("keys" or
// "names"). A repeated key is an error naming both lines.
func (d *decoder) each(n *yaml.Node, path, what string, fn func(k, v *yaml.Node)) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping of %s, got %s", what, kindName(n))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		key := join(path, k.Value)
		if line, dup := seen[k.Value]; dup {
			d.fail(k, key, "repeated %s (first at line %d)", strings.TrimSuffix(what, "s"), line)
			continue
		}
		seen[k.Value] = k.Line
		d.c.lines[key] = k.Line
		fn(k, v)
	}
}

// text returns a scalar's value with ${VAR} expanded; null is "".
func (d *decoder) text(n *yaml.Node, key string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, key, "want a single value, got %s", kindName(n))
		return "", false
	}
	if n.Tag == "!!null" {
		return "", true
	}
	s, err := d.expand(n.Value, key)
	if err == errUnsetOffline {
		return "", true
	}
	if err != nil {
		d.fail(n, key, "%v", err)
		return "", false
	}
	return s, true
}

// str stores a scalar's text in *dst.
func (d *decoder) str(dst *string) func(key string, v *yaml.Node) {
	return func(key string, v *yaml.Node) {
		if s, ok := d.text(v, key); ok {
			*dst = s
		}
	}
}

var varRE = regexp.MustCompile(`\$\$|\$\{[^}]*\}?`)

var nameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// errUnsetOffline is expand's answer for an unset variable in a value
// offline commands do not need: the value is empty.
var errUnsetOffline = errors.New("unset variable in a value offline commands do not use")

// offlineKey reports whether offline commands can do without key's value.
func offlineKey(key string) bool {
	return strings.HasPrefix(key, "salesforce.auth.") || key == "salesforce.login_url"
}

// expand replaces ${VAR} with the variable's value and $$ with $. An unset
// variable is an error, except when offline in a value offlineKey names
// (then errUnsetOffline). Errors name the variable, never a value.
func (d *decoder) expand(s, key string) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var err error
	out := varRE.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		if !strings.HasSuffix(m, "}") {
			err = fmt.Errorf("unterminated ${ in the value")
			return ""
		}
		name := m[2 : len(m)-1]
		if !nameRE.MatchString(name) {
			err = fmt.Errorf("%s: a variable name is letters, digits and _", m)
			return ""
		}
		v, ok := d.env(name)
		if !ok && err == nil {
			if d.offline && offlineKey(key) {
				err = errUnsetOffline
				return ""
			}
			err = fmt.Errorf("environment variable %s is not set", name)
		}
		return v
	})
	return out, err
}

func (d *decoder) duration(dst *time.Duration) func(key string, v *yaml.Node) {
	return func(key string, v *yaml.Node) {
		s, ok := d.text(v, key)
		if !ok {
			return
		}
		dur, err := time.ParseDuration(s)
		if err != nil {
			d.fail(v, key, "want a duration like 5m or 24h, got %q", v.Value)
			return
		}
		*dst = dur
	}
}

func (d *decoder) boolean(dst *bool) func(key string, v *yaml.Node) {
	return func(key string, v *yaml.Node) {
		s, ok := d.text(v, key)
		if !ok {
			return
		}
		switch strings.ToLower(s) {
		case "true":
			*dst = true
		case "false":
			*dst = false
		default:
			d.fail(v, key, "want true or false, got %q", v.Value)
		}
	}
}

func (d *decoder) integer(dst *int) func(key string, v *yaml.Node) {
	return func(key string, v *yaml.Node) {
		s, ok := d.text(v, key)
		if !ok {
			return
		}
		i, err := strconv.Atoi(s)
		if err != nil {
			d.fail(v, key, "want a whole number, got %q", v.Value)
			return
		}
		*dst = i
	}
}

func (d *decoder) number(dst *float64) func(key string, v *yaml.Node) {
	return func(key string, v *yaml.Node) {
		s, ok := d.text(v, key)
		if !ok {
			return
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			d.fail(v, key, "want a number, got %q", v.Value)
			return
		}
		*dst = f
	}
}

func source(file string, n *yaml.Node) string { return fmt.Sprintf("%s:%d", file, n.Line) }

// wellKnown are the field names with a fixed type.
var wellKnown = map[string]mapping.FieldType{
	"start_date": mapping.TypeDate, "renewal_date": mapping.TypeDate, "last_activity": mapping.TypeDate,
	"paying": mapping.TypeBool, "health": mapping.TypeString,
	"active_users": mapping.TypeNumber, "seats": mapping.TypeNumber,
	"arr": mapping.TypeNumber, "revenue": mapping.TypeNumber,
}

var apiNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// field parses "Start_Date__c" or "NPS__c:number".
func (d *decoder) field(k, v *yaml.Node) {
	key := "fields." + k.Value
	if err := mapping.CheckName(k.Value); err != nil {
		d.fail(k, key, "%v", err)
		return
	}
	s, ok := d.text(v, key)
	if !ok {
		return
	}
	api, typ, hasType := strings.Cut(strings.TrimSpace(s), ":")
	api = strings.TrimSpace(api)
	if !apiNameRE.MatchString(api) {
		d.fail(v, key, "want a Salesforce field API name like Start_Date__c (optionally :date, :datetime, :number, :bool or :string), got %q", v.Value)
		return
	}
	f := mapping.Field{Name: k.Value, APIName: api, Type: mapping.TypeString}
	fixed, known := wellKnown[k.Value]
	if known {
		f.Type = fixed
	}
	if hasType {
		t, err := parseFieldType(strings.TrimSpace(typ))
		if err != nil {
			d.fail(v, key, "%v", err)
			return
		}
		if known && t != fixed {
			d.fail(v, key, "%s is always a %s field; map a name of your own to use another type", k.Value, fixed)
			return
		}
		f.Type = t
	}
	for _, other := range d.c.Fields {
		if strings.EqualFold(other.APIName, api) {
			d.fail(v, key, "%s is already mapped as %s", api, other.Name)
			return
		}
	}
	d.c.Fields = append(d.c.Fields, f)
}

// parseFieldType accepts the rule types and the Salesforce names for them.
func parseFieldType(s string) (mapping.FieldType, error) {
	switch strings.ToLower(s) {
	case "date":
		return mapping.TypeDate, nil
	case "datetime":
		return mapping.TypeDateTime, nil
	case "number", "double", "currency", "percent", "int":
		return mapping.TypeNumber, nil
	case "bool", "boolean", "checkbox":
		return mapping.TypeBool, nil
	case "string", "text", "picklist":
		return mapping.TypeString, nil
	}
	return 0, fmt.Errorf("unknown field type %q (want date, datetime, number, bool or string)", s)
}

// list calls item for every entry of a sequence.
func (d *decoder) list(n *yaml.Node, key string, item func(i int, v *yaml.Node)) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n, key, "want a list, got %s", kindName(n))
		return
	}
	for i, v := range n.Content {
		item(i, deref(v))
	}
}

func (d *decoder) smartList(i int, n *yaml.Node) {
	path := fmt.Sprintf("tags.smart_lists[%d]", i)
	l := mapping.SmartList{Source: source(d.file, n)}
	var hasTag, hasWhen bool
	errs := len(d.errs)
	d.mapping(n, path, map[string]func(key string, v *yaml.Node){
		"tag": func(key string, v *yaml.Node) {
			l.Tag, hasTag = d.text(v, key)
		},
		"when": func(key string, v *yaml.Node) {
			l.When, hasWhen = d.text(v, key)
			l.Source = source(d.file, v)
		},
	})
	if len(d.errs) > errs {
		return
	}
	if !hasTag || !hasWhen {
		d.fail(n, path, "a smart list needs a tag and a when")
		return
	}
	d.c.Tags.SmartLists = append(d.c.Tags.SmartLists, l)
}

func (d *decoder) statusRule(i int, n *yaml.Node) {
	path := fmt.Sprintf("status.rules[%d]", i)
	r := mapping.StatusRule{Source: source(d.file, n)}
	var hasWhen, hasValue bool
	errs := len(d.errs)
	d.mapping(n, path, map[string]func(key string, v *yaml.Node){
		"when": func(key string, v *yaml.Node) {
			r.When, hasWhen = d.text(v, key)
			r.Source = source(d.file, v)
		},
		"value": func(key string, v *yaml.Node) {
			if isKeep(v) {
				d.fail(v, key, "keep is only for status.otherwise; write \"keep\" in quotes for a picklist value keep")
				return
			}
			s, ok := d.statusValue(v, key)
			if ok && s != nil {
				r.Value = *s
			}
			hasValue = ok
		},
	})
	if len(d.errs) > errs {
		return
	}
	if !hasWhen || !hasValue {
		d.fail(n, path, "a status rule needs a when and a value")
		return
	}
	d.c.Status.Rules = append(d.c.Status.Rules, r)
}

// isKeep reports whether v is the bare word keep (a quoted "keep" is the
// picklist value keep).
func isKeep(v *yaml.Node) bool {
	return v.Kind == yaml.ScalarNode && v.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) == 0 && v.Tag == "!!str" && v.Value == "keep"
}

// statusValue reads a status value: a string, or null to clear the field.
// Numbers and booleans are errors: YAML would turn `value: 30` or
// `value: yes` into something that is not the picklist value meant.
func (d *decoder) statusValue(v *yaml.Node, key string) (*string, bool) {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return nil, true
	}
	if v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
		what := kindName(v)
		if v.Kind == yaml.ScalarNode {
			what = fmt.Sprintf("%s (YAML reads it as %s)", v.Value, strings.TrimPrefix(v.Tag, "!!"))
		}
		d.fail(v, key, "a status value must be a string (in quotes) or null, got %s", what)
		return nil, false
	}
	s, ok := d.text(v, key)
	if !ok {
		return nil, false
	}
	return &s, true
}
