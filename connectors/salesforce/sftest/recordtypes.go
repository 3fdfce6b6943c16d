package sftest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// PicklistValue is one value of a picklist field: Value is what the API
// reads and writes, Label what a user sees (Label "" means the same as
// Value). Describe returns both ("PicklistEntry", SOAP API Developer Guide,
// https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm),
// and a write must carry the value, never the label. In a schema file a
// value is a string ("Good") or an object ({"value":"GREEN","label":"Healthy"}).
type PicklistValue struct {
	Value string `json:"value"`
	Label string `json:"label,omitempty"`
}

// UnmarshalJSON reads a string or a {"value","label"} object; other keys
// are errors.
func (p *PicklistValue) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		*p = PicklistValue{}
		return json.Unmarshal(b, &p.Value)
	}
	type plain PicklistValue
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var v plain
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("picklist value: %w", err)
	}
	*p = PicklistValue(v)
	return nil
}

// MarshalJSON writes a value whose label equals it as a plain string.
func (p PicklistValue) MarshalJSON() ([]byte, error) {
	if p.Label == "" || p.Label == p.Value {
		return json.Marshal(p.Value)
	}
	type plain PicklistValue
	return json.Marshal(plain(p))
}

// picklist returns values whose labels equal them.
func picklist(values ...string) []PicklistValue {
	out := make([]PicklistValue, len(values))
	for i, v := range values {
		out[i] = PicklistValue{Value: v}
	}
	return out
}

// MasterRecordTypeID is the ID of every object's master record type
// ("RecordTypeInfo", SOAP API Developer Guide; the UI API's
// getPicklistValues: "If there isn't a default record type, this value is
// the master record type, which is 012000000000000AAA",
// https://developer.salesforce.com/docs/component-library/documentation/lwc/reference_wire_adapters_picklist_values).
const MasterRecordTypeID = "012000000000000AAA"

// recordTypePrefix is the key prefix of RecordType IDs.
const recordTypePrefix = "012"

// RecordTypeSchema is one record type of an object (Salesforce Help,
// "Record Types"; "RecordTypeInfo" of the describe result,
// https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm).
// Every listed record type is active and available to the integration
// user; exactly one is the user's default (Default, or the first listed).
// PicklistValues narrows a picklist field to the values the record type
// allows (field API name -> values); a picklist not listed allows every
// value. ID is an 18- or 15-character ID with prefix 012; empty, one is
// assigned. The master record type (MasterRecordTypeID) is added to every
// object: it allows every value and, when other record types exist, is not
// available for records.
type RecordTypeSchema struct {
	ID             string              `json:"id,omitempty"`
	Name           string              `json:"name"`
	DeveloperName  string              `json:"developerName"`
	Default        bool                `json:"default,omitempty"`
	PicklistValues map[string][]string `json:"picklistValues,omitempty"`

	master  bool
	allowed map[string]map[string]bool // lower-case field name -> allowed values
}

// allows reports whether the record type allows value for field f. A nil
// record type allows everything.
func (rt *RecordTypeSchema) allows(f *FieldSchema, value string) bool {
	if rt == nil || rt.allowed == nil {
		return true
	}
	set, ok := rt.allowed[strings.ToLower(f.Name)]
	return !ok || set[value]
}

// recordTypes returns the object's record types, the master last.
func (o *ObjectSchema) recordTypes() []*RecordTypeSchema {
	return append(append([]*RecordTypeSchema(nil), o.RecordTypes...), o.master)
}

// RecordType returns the record type with the 15- or 18-character id, the
// master included.
func (o *ObjectSchema) RecordType(id string) (*RecordTypeSchema, bool) {
	c, err := canonicalID(id)
	if err != nil {
		return nil, false
	}
	rt, ok := o.rtByID[c]
	return rt, ok
}

// defaultRecordType is the user's default record type: the one marked
// Default, or the master when the object has no other.
func (o *ObjectSchema) defaultRecordType() *RecordTypeSchema {
	for _, rt := range o.RecordTypes {
		if rt.Default {
			return rt
		}
	}
	return o.master
}

// recordTypeNamed returns the record type with developerName, if any.
func (o *ObjectSchema) recordTypeNamed(developerName string) *RecordTypeSchema {
	for _, rt := range o.RecordTypes {
		if strings.EqualFold(rt.DeveloperName, developerName) {
			return rt
		}
	}
	return nil
}

// recordTypeField is the field that holds a record's record type; an object
// with record types has it ("RecordTypeId", Object Reference, Account).
var recordTypeField = FieldSchema{Name: "RecordTypeId", Label: "Record Type ID", Type: "reference", Length: 18, Updateable: true, Nillable: true}

// initRecordTypes validates the record types, adds the master and the
// RecordTypeId field when missing, and builds the indexes. The fields must
// be initialised.
func (o *ObjectSchema) initRecordTypes() error {
	o.master = &RecordTypeSchema{ID: MasterRecordTypeID, Name: "Master", DeveloperName: "Master", master: true}
	o.rtByID = map[string]*RecordTypeSchema{MasterRecordTypeID[:15]: o.master}
	if len(o.RecordTypes) == 0 {
		return nil
	}
	names := map[string]bool{"master": true}
	defaults := 0
	for i, rt := range o.RecordTypes {
		if rt == nil || rt.DeveloperName == "" {
			return fmt.Errorf("recordTypes[%d]: missing developerName", i)
		}
		if names[strings.ToLower(rt.DeveloperName)] {
			return fmt.Errorf("record type %s: developerName used twice (Master is reserved)", rt.DeveloperName)
		}
		names[strings.ToLower(rt.DeveloperName)] = true
		if rt.Name == "" {
			rt.Name = rt.DeveloperName
		}
		if rt.ID == "" {
			rt.ID = makeID(recordTypePrefix, i+1)
		}
		full, err := To18(rt.ID)
		if err != nil || full[:3] != recordTypePrefix {
			return fmt.Errorf("record type %s: id %q: want a record type ID (prefix 012)", rt.DeveloperName, rt.ID)
		}
		rt.ID = full
		if _, dup := o.rtByID[full[:15]]; dup {
			return fmt.Errorf("record type %s: id %s used twice", rt.DeveloperName, rt.ID)
		}
		o.rtByID[full[:15]] = rt
		if rt.Default {
			defaults++
		}
		rt.allowed = map[string]map[string]bool{}
		for name, values := range rt.PicklistValues {
			f, _, ok := o.Field(name)
			if !ok || f.Type != "picklist" {
				return fmt.Errorf("record type %s: picklistValues: %s is not a picklist field", rt.DeveloperName, name)
			}
			set := map[string]bool{}
			for _, v := range values {
				if !f.hasValue(v) {
					return fmt.Errorf("record type %s: %s has no value %q", rt.DeveloperName, f.Name, v)
				}
				set[v] = true
			}
			rt.allowed[strings.ToLower(f.Name)] = set
		}
	}
	switch {
	case defaults > 1:
		return errors.New("more than one default record type")
	case defaults == 0:
		o.RecordTypes[0].Default = true
	}
	if _, _, ok := o.Field("RecordTypeId"); !ok {
		f := recordTypeField
		f.kind = kID
		o.Fields = append(o.Fields, &f)
		o.byName["recordtypeid"] = len(o.Fields) - 1
	}
	if f, _, _ := o.Field("RecordTypeId"); f.Type != "reference" {
		return fmt.Errorf("field RecordTypeId: type %q, want reference", f.Type)
	}
	return nil
}

// hasValue reports whether value is one of the field's picklist values.
func (f *FieldSchema) hasValue(value string) bool {
	for _, pv := range f.PicklistValues {
		if pv.Value == value {
			return true
		}
	}
	return false
}

// recordTypeInfo is one entry of a describe result's recordTypeInfos
// ("RecordTypeInfo": active, available, defaultRecordTypeMapping,
// developerName, master, name, recordTypeId, urls; SOAP API Developer Guide,
// DescribeSObjectResult,
// https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm).
type recordTypeInfo struct {
	Active                   bool              `json:"active"`
	Available                bool              `json:"available"`
	DefaultRecordTypeMapping bool              `json:"defaultRecordTypeMapping"`
	DeveloperName            string            `json:"developerName"`
	Master                   bool              `json:"master"`
	Name                     string            `json:"name"`
	RecordTypeID             string            `json:"recordTypeId"`
	URLs                     map[string]string `json:"urls"`
}

// recordTypeInfos describes the object's record types. The master is
// available, and the default, only when the object has no other record type.
func (o *ObjectSchema) recordTypeInfos(version string) []recordTypeInfo {
	def := o.defaultRecordType()
	var out []recordTypeInfo
	for _, rt := range o.recordTypes() {
		out = append(out, recordTypeInfo{
			Active: true, Available: !rt.master || len(o.RecordTypes) == 0, DefaultRecordTypeMapping: rt == def,
			DeveloperName: rt.DeveloperName, Master: rt.master, Name: rt.Name, RecordTypeID: rt.ID,
			URLs: map[string]string{"layout": "/services/data/v" + version + "/sobjects/" + o.Name + "/describe/layouts/" + rt.ID},
		})
	}
	return out
}
