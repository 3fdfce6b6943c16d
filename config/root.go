package config

import (
	"fmt"
	"strings"

	"github.com/lifecycled/lifecycled/mapping"
	"gopkg.in/yaml.v3"
)

type fieldFuncs = map[string]func(key string, v *yaml.Node)

// root decodes the top-level mapping: only the keys of config/example.yaml
// exist.
func (d *decoder) root(n *yaml.Node) {
	c := d.c
	sf := &c.Salesforce
	a := &sf.Auth
	d.mapping(n, "", fieldFuncs{
		"salesforce": func(key string, v *yaml.Node) {
			d.mapping(v, key, fieldFuncs{
				"login_url":                d.str(&sf.LoginURL),
				"api_version":              d.str(&sf.APIVersion),
				"object":                   d.str(&sf.Object),
				"where":                    d.str(&sf.Where),
				"allow_save_on_duplicates": d.boolean(&sf.AllowSaveOnDuplicates),
				"auth": func(key string, v *yaml.Node) {
					d.mapping(v, key, fieldFuncs{
						"flow":               d.str(&a.Flow),
						"client_id":          d.str(&a.ClientID),
						"client_secret":      d.str(&a.ClientSecret),
						"client_secret_file": d.str(&a.ClientSecretFile),
						"username":           d.str(&a.Username),
						"password":           d.str(&a.Password),
						"password_file":      d.str(&a.PasswordFile),
						"refresh_token":      d.str(&a.RefreshToken),
						"refresh_token_file": d.str(&a.RefreshTokenFile),
						"private_key_file":   d.str(&a.PrivateKeyFile),
						"audience":           d.str(&a.Audience),
					})
				},
			})
		},
		"fields": func(key string, v *yaml.Node) {
			d.pairs(v, key, d.field)
		},
		"derived": func(key string, v *yaml.Node) {
			d.pairs(v, key, func(k, v *yaml.Node) {
				name := "derived." + k.Value
				expr, ok := d.text(v, name)
				if ok {
					c.Derived = append(c.Derived, mapping.Rule{Name: k.Value, Expr: expr, Source: source(d.file, v)})
				}
			})
		},
		"tags": func(key string, v *yaml.Node) {
			d.mapping(v, key, fieldFuncs{
				"field":     d.str(&c.Tags.Field),
				"separator": d.str(&c.Tags.Separator),
				"smart_lists": func(key string, v *yaml.Node) {
					d.list(v, key, d.smartList)
				},
			})
		},
		"status": func(key string, v *yaml.Node) {
			d.mapping(v, key, fieldFuncs{
				"field": d.str(&c.Status.Field),
				"rules": func(key string, v *yaml.Node) {
					d.list(v, key, d.statusRule)
				},
				"otherwise": func(key string, v *yaml.Node) {
					if isKeep(v) {
						c.Status.Otherwise, c.Status.OtherwiseKeep = nil, true
						return
					}
					if s, ok := d.statusValue(v, key); ok {
						c.Status.Otherwise, c.Status.OtherwiseKeep = s, false
					}
				},
			})
		},
		"sync": func(key string, v *yaml.Node) {
			d.mapping(v, key, fieldFuncs{
				"interval":             d.duration(&c.Sync.Interval),
				"full_resync":          d.duration(&c.Sync.FullResync),
				"timezone":             d.str(&c.Sync.Timezone),
				"batch_size":           d.integer(&c.Sync.BatchSize),
				"max_api_share":        d.number(&c.Sync.MaxAPIShare),
				"retry_rejected_after": d.duration(&c.Sync.RetryRejectedAfter),
				"bulk_threshold":       d.integer(&c.Sync.BulkThreshold),
				"bulk_write_threshold": d.integer(&c.Sync.BulkWriteThreshold),
			})
		},
		"plays": func(key string, v *yaml.Node) { d.list(v, key, d.play) },
		"state": func(key string, v *yaml.Node) {
			d.mapping(v, key, fieldFuncs{"path": d.str(&c.State.Path)})
		},
		"server": func(key string, v *yaml.Node) {
			d.mapping(v, key, fieldFuncs{"listen": d.str(&c.Server.Listen)})
		},
	})
}

// pairs calls fn for every key and value of a mapping whose keys are names
// of the user's choosing (fields, derived), in file order.
func (d *decoder) pairs(n *yaml.Node, path string, fn func(k, v *yaml.Node)) {
	d.each(n, path, "names", fn)
}

// line returns the line of a key, or 0.
func (c *Config) line(key string) int {
	if c.lines == nil {
		return 0
	}
	return c.lines[key]
}

// lineOf returns the line of a key or, when the file does not set it, of
// its nearest enclosing key; 0 when none is in the file.
func (c *Config) lineOf(key string) int {
	for {
		if l := c.line(key); l > 0 {
			return l
		}
		i := strings.LastIndexByte(key, '.')
		if i < 0 {
			return 0
		}
		key = key[:i]
	}
}

func (c *Config) errorAt(key, format string, args ...any) error {
	return &Error{File: c.name(), Line: c.lineOf(key), Key: key, Err: fmt.Errorf(format, args...)}
}
