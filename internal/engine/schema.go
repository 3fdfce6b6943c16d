package engine

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/lifecycled/lifecycled/connectors/salesforce"
	"github.com/lifecycled/lifecycled/mapping"
)

// Problem is one finding of CheckSchema.
type Problem struct {
	Warning bool   // a warning does not stop the daemon
	Field   string // the Salesforce field API name
	Message string
}

func (p Problem) String() string {
	kind := "error"
	if p.Warning {
		kind = "warning"
	}
	return fmt.Sprintf("%s: %s: %s", kind, p.Field, p.Message)
}

// compatible lists the describe types (REST API "Field" in the describe
// result, soapType-independent `type` values) each rule type can read.
var compatible = map[mapping.FieldType][]string{
	mapping.TypeDate:     {"date"},
	mapping.TypeDateTime: {"datetime"},
	mapping.TypeNumber:   {"double", "currency", "percent", "int", "long"},
	mapping.TypeBool:     {"boolean"},
	mapping.TypeString:   {"string", "picklist", "textarea", "email", "phone", "url", "id", "reference", "combobox"},
}

// CheckSchema checks def against the object's describe result: every mapped
// field exists with a compatible type, the output fields exist and are
// updateable, every status value is an active value of a picklist status
// field, and the tags field can hold every managed tag at once. A mapped input
// that is a formula field gets a warning: formula changes do not move
// SystemModstamp, so only full pulls see them.
func CheckSchema(pack *mapping.Pack, d *salesforce.Describe) []Problem {
	def := pack.Definition()
	fields := make(map[string]salesforce.FieldDescribe, len(d.Fields))
	for _, f := range d.Fields {
		fields[strings.ToLower(f.Name)] = f
	}
	var out []Problem
	bad := func(field, format string, args ...any) {
		out = append(out, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	for _, m := range def.Fields {
		f, ok := fields[strings.ToLower(m.APIName)]
		if !ok {
			bad(m.APIName, "no such field on %s (mapped as %q)", d.Name, m.Name)
			continue
		}
		if !slices.Contains(compatible[m.Type], f.Type) {
			bad(m.APIName, "is a %s field; %q is used as a %s (write %s:TYPE in fields to change the type)",
				f.Type, m.Name, typeName(m.Type), m.APIName)
		}
		if f.Calculated {
			out = append(out, Problem{Warning: true, Field: m.APIName, Message: "is a formula field: " +
				"formula changes do not move SystemModstamp, so only full pulls (sync.full_resync) see them"})
		}
	}
	if f, ok := fields[strings.ToLower(def.TagsField)]; !ok {
		bad(def.TagsField, "tags field: no such field on %s", d.Name)
	} else {
		if !f.Updateable {
			bad(f.Name, "tags field is not updateable by the integration user")
		}
		if f.Type != "string" && f.Type != "textarea" {
			bad(f.Name, "tags field is a %s field; it must be text or a long text area", f.Type)
		}
		// Not an error: an account whose tags outgrow the field keeps its
		// status in sync, and only its tags are a rejection.
		// A text field (at most 255) is short even when the managed tags
		// fit: the tags other tools keep there share it.
		need := len(strings.Join(pack.ManagedTags(), def.Separator))
		if f.Length > 0 && (f.Length < need || f.Type == "string") {
			out = append(out, Problem{Warning: true, Field: f.Name, Message: fmt.Sprintf(
				"tags field holds %d characters; the longest managed-tag set (all %d managed tags at once) is %d, "+
					"and tags other tools keep there share the field: an account whose tags do not fit is a rejection "+
					"(its status is still written); a Long Text Area is safer", f.Length, len(pack.ManagedTags()), need)})
		}
	}
	if f, ok := fields[strings.ToLower(def.StatusField)]; !ok {
		bad(def.StatusField, "status field: no such field on %s", d.Name)
	} else {
		if !f.Updateable {
			bad(f.Name, "status field is not updateable by the integration user")
		}
		switch f.Type {
		case "picklist":
			active := map[string]bool{}
			for _, v := range f.PicklistValues {
				if v.Active {
					active[v.Value] = true
				}
			}
			for _, v := range pack.StatusValues() {
				if !active[v] {
					bad(f.Name, "status value %q is not an active value of the picklist", v)
				}
			}
		case "string", "textarea":
			for _, v := range pack.StatusValues() {
				if f.Length > 0 && len(v) > f.Length {
					bad(f.Name, "status value %q is longer than the field's %d characters", v, f.Length)
				}
			}
		default:
			bad(f.Name, "status field is a %s field; it must be a picklist or text", f.Type)
		}
	}
	return append(out, checkPicklistLiterals(pack, fields)...)
}

func typeName(t mapping.FieldType) string {
	switch t {
	case mapping.TypeDate:
		return "date"
	case mapping.TypeDateTime:
		return "datetime"
	case mapping.TypeNumber:
		return "number"
	case mapping.TypeBool:
		return "bool"
	default:
		return "string"
	}
}

// CheckRecordTypes lists, as warnings, every status value the rules can
// produce that a record type in scope does not allow: accounts of that
// record type keep their tags in sync, but that status is not written to
// them (it is a rejection naming the record type instead).
func CheckRecordTypes(pack *mapping.Pack, rts map[string]RecordType) []Problem {
	def := pack.Definition()
	ids := make([]string, 0, len(rts))
	for id := range rts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var out []Problem
	for _, id := range ids {
		rt := rts[id]
		var missing []string
		for _, v := range pack.StatusValues() {
			if !rt.Status[v] {
				missing = append(missing, strconv.Quote(v))
			}
		}
		if len(missing) > 0 {
			out = append(out, Problem{Warning: true, Field: def.StatusField, Message: fmt.Sprintf(
				"record type %q (%s) does not allow %d status value(s) the rules produce: %s; accounts of that type keep their current status when a rule gives one of these",
				rt.Name, rt.ID, len(missing), strings.Join(missing, ", "))})
		}
	}
	return out
}

// checkPicklistLiterals warns about each string a rule compares a picklist
// field with that is not one of the picklist's values: rules see a
// picklist's API values, never its labels, so a label ("Healthy" where the
// values are GREEN, YELLOW, RED) or another case ("Green") never matches.
func checkPicklistLiterals(pack *mapping.Pack, fields map[string]salesforce.FieldDescribe) []Problem {
	var out []Problem
	for _, c := range pack.StringComparisons() {
		f, ok := fields[strings.ToLower(c.APIName)]
		if !ok || (f.Type != "picklist" && f.Type != "multipicklist") || len(f.PicklistValues) == 0 {
			continue
		}
		var values []string
		hint := ""
		for _, v := range f.PicklistValues {
			if v.Value == c.Literal {
				hint = "-"
				break
			}
			values = append(values, v.Value)
			switch {
			case v.Label == c.Literal:
				hint = fmt.Sprintf("; %q is the label of the value %q", c.Literal, v.Value)
			case strings.EqualFold(v.Value, c.Literal) && hint == "":
				hint = fmt.Sprintf("; the value is spelt %q (comparisons are case-sensitive)", v.Value)
			}
		}
		if hint == "-" {
			continue
		}
		where := c.Rule
		if c.Source != "" {
			where += " (" + c.Source + ")"
		}
		out = append(out, Problem{Warning: true, Field: f.Name, Message: fmt.Sprintf(
			"%s compares %s with %q, which is not a value of the picklist (values: %s)%s; rules compare API values, not labels",
			where, c.Field, c.Literal, strings.Join(values, ", "), hint)})
	}
	return out
}
