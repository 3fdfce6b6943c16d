package config

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/lifecycled/lifecycled/mapping"
	"gopkg.in/yaml.v3"
)

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
