package config

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

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
