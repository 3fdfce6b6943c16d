package salesforce

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/simpleforce/simpleforce"
)

// Describe is the part of an sObject describe result lifecycled reads
// (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm).
type Describe struct {
	Name   string
	Fields []FieldDescribe
	// RecordTypes are the object's record types as recordTypeInfos lists
	// them: every record type, available to the user or not, the master
	// one included (an object without record types lists only Master,
	// 012000000000000AAA).
	RecordTypes []RecordType
}

// RecordType is one element of a describe's recordTypeInfos (the fields of
// RecordTypeInfo, https://developer.salesforce.com/docs/atlas.en-us.apexref.meta/apexref/apex_class_Schema_RecordTypeInfo.htm):
// ID is recordTypeId; Name the label; DeveloperName the API name; Active
// whether records may be given it; Available whether it is available to the
// integration user; Master whether it is the master record type; Default is
// defaultRecordTypeMapping, whether it is the user's default record type.
type RecordType struct {
	ID, Name, DeveloperName string
	Active, Available       bool
	Master, Default         bool
}

// FieldDescribe is one field of a describe result. Type is the REST type
// name ("string", "picklist", "double", "date", "boolean", ...); Length is
// the maximum length of a text field; Calculated marks a formula field.
type FieldDescribe struct {
	Name, Label, Type  string
	Length             int
	Updateable         bool
	Nillable           bool
	Custom             bool
	Calculated         bool
	RestrictedPicklist bool
	PicklistValues     []PicklistValue
}

// PicklistValue is one value of a picklist field.
type PicklistValue struct {
	Value, Label string
	Active       bool
}

// describeJSON is the wire shape of the fields Describe keeps.
type describeJSON struct {
	Name   string `json:"name"`
	Fields []struct {
		Name               string `json:"name"`
		Label              string `json:"label"`
		Type               string `json:"type"`
		Length             int    `json:"length"`
		Updateable         bool   `json:"updateable"`
		Nillable           bool   `json:"nillable"`
		Custom             bool   `json:"custom"`
		Calculated         bool   `json:"calculated"`
		RestrictedPicklist bool   `json:"restrictedPicklist"`
		PicklistValues     []struct {
			Value  string `json:"value"`
			Label  string `json:"label"`
			Active bool   `json:"active"`
		} `json:"picklistValues"`
	} `json:"fields"`
	RecordTypeInfos []struct {
		RecordTypeID             string `json:"recordTypeId"`
		Name                     string `json:"name"`
		DeveloperName            string `json:"developerName"`
		Active                   bool   `json:"active"`
		Available                bool   `json:"available"`
		Master                   bool   `json:"master"`
		DefaultRecordTypeMapping bool   `json:"defaultRecordTypeMapping"`
	} `json:"recordTypeInfos"`
}

// Describe returns the fields and record types of object, retrying
// transient failures. Its errors start "describe OBJECT: ", except a
// *VersionError when the org does not serve the client's API version.
// simpleforce's SObject.Describe returns nil for every failure; the edge
// keeps the real error, which Describe returns.
func (c *Client) Describe(ctx context.Context, object string) (*Describe, error) {
	if !validName(object) {
		return nil, fmt.Errorf("describe: invalid object name %q", snippet(object))
	}
	meta, err := retry(c, ctx, "describe", false, func(ctx context.Context, s session) (*simpleforce.SObjectMeta, error) {
		return viaSimpleforce(c, ctx, s, "describe", nil, func(sf *simpleforce.Client) (*simpleforce.SObjectMeta, error) {
			return sf.SObject(object).Describe(), nil
		})
	})
	if err != nil {
		if verr := c.checkVersion(ctx, err); verr != nil {
			return nil, verr
		}
		if isNotFound(err) {
			// An sObject the org lacks, or one the user's profile and
			// permission sets hide, is a 404 NOT_FOUND ("Status Codes and
			// Error Responses",
			// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm:
			// "The requested resource couldn't be found. Check the URI for
			// errors, and verify that there are no sharing issues.").
			return nil, fmt.Errorf("describe %s: the org has no object %s, or the integration user cannot see it: %w", object, object, err)
		}
		return nil, fmt.Errorf("describe %s: %w", object, err)
	}
	raw, err := json.Marshal(meta)
	if err != nil {
		return nil, fmt.Errorf("describe %s: %w: %v", object, ErrMalformedResponse, err)
	}
	var dj describeJSON
	if err := json.Unmarshal(raw, &dj); err != nil {
		return nil, fmt.Errorf("describe %s: %w: %v", object, ErrMalformedResponse, err)
	}
	d := &Describe{Name: dj.Name, Fields: make([]FieldDescribe, 0, len(dj.Fields))}
	if d.Name == "" {
		d.Name = object
	}
	for _, f := range dj.Fields {
		fd := FieldDescribe{Name: f.Name, Label: f.Label, Type: f.Type, Length: f.Length,
			Updateable: f.Updateable, Nillable: f.Nillable, Custom: f.Custom, Calculated: f.Calculated,
			RestrictedPicklist: f.RestrictedPicklist}
		for _, p := range f.PicklistValues {
			fd.PicklistValues = append(fd.PicklistValues, PicklistValue{Value: p.Value, Label: p.Label, Active: p.Active})
		}
		d.Fields = append(d.Fields, fd)
	}
	for _, rt := range dj.RecordTypeInfos {
		d.RecordTypes = append(d.RecordTypes, RecordType{ID: rt.RecordTypeID, Name: rt.Name,
			DeveloperName: rt.DeveloperName, Active: rt.Active, Available: rt.Available,
			Master: rt.Master, Default: rt.DefaultRecordTypeMapping})
	}
	if len(d.Fields) == 0 {
		return nil, fmt.Errorf("describe %s: %w: no fields", object, ErrMalformedResponse)
	}
	return d, nil
}

// validName reports whether s is an sObject API name (letters, digits and
// underscores, starting with a letter), so it can go into a URL path as is.
func validName(s string) bool {
	if s == "" || len(s) > 80 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '_'):
		default:
			return false
		}
	}
	return true
}
