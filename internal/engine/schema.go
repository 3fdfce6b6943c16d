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
	mapping.TypeDate:   {"date"},
	mapping.TypeNumber: {"double", "currency", "percent", "int", "long"},
	mapping.TypeBool:   {"boolean"},
	mapping.TypeString: {"string", "picklist", "textarea", "email", "phone", "url", "id", "reference", "combobox"},
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
		need := len(strings.Join(pack.ManagedTags(), def.Separator))
		if f.Length > 0 && f.Length < need {
			bad(f.Name, "tags field holds %d characters; every managed tag at once needs %d", f.Length, need)
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
	return out
}

func typeName(t mapping.FieldType) string {
	switch t {
	case mapping.TypeDate:
		return "date"
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
