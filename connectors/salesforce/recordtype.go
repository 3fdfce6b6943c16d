package salesforce

import (
	"context"
	"encoding/json"
	"fmt"
)

// MasterRecordTypeID is the ID of every object's master record type.
const MasterRecordTypeID = "012000000000000AAA"

// RecordTypePicklists returns the values of every picklist field of object
// that records of the record type recordTypeID may hold, by field API name,
// in the order Salesforce lists them. Fields that are not picklists are
// absent. Every value returned is Active (the UI API lists only values a
// record of the type can be given).
//
// It reads the User Interface API's "Get Values for All Picklist Fields of a
// Record Type", GET /services/data/vXX.X/ui-api/object-info/{objectApiName}/picklist-values/{recordTypeId}
// (available from API version 42.0;
// https://developer.salesforce.com/docs/atlas.en-us.uiapi.meta/uiapi/ui_api_resources_picklist_values_collection.htm),
// whose body is a Picklist Values Collection: picklistFieldValues maps a
// field to its Picklist Values, whose values are {label, value, validFor,
// attributes}
// (https://developer.salesforce.com/docs/atlas.en-us.uiapi.meta/uiapi/ui_api_responses_picklist_values.htm).
// The call is a read, retried on transient failures (a 2xx body of another
// shape included); errors are classed as every other call's. object must be an API name and recordTypeID a
// 15- or 18-character record type ID (prefix 012), checked before any
// request is made.
func (c *Client) RecordTypePicklists(ctx context.Context, object, recordTypeID string) (map[string][]PicklistValue, error) {
	if !validName(object) {
		return nil, fmt.Errorf("record type picklists: invalid object name %q", snippet(object))
	}
	if !validRecordTypeID(recordTypeID) {
		return nil, fmt.Errorf("record type picklists %s: invalid record type id %q (want 15 or 18 letters and digits starting 012)",
			object, snippet(recordTypeID))
	}
	path := "ui-api/object-info/" + object + "/picklist-values/" + recordTypeID
	out, err := retry(c, ctx, "picklists", false, func(ctx context.Context, s session) (map[string][]PicklistValue, error) {
		body, err := c.get(ctx, s, "picklists", path)
		if err != nil {
			return nil, err
		}
		out, err := parsePicklistCollection(body)
		if err != nil {
			// As a cut-short query page: retried, then transient.
			return nil, &TransportError{Op: "picklists", Sent: true, Err: err}
		}
		return out, nil
	})
	if err != nil {
		return nil, fmt.Errorf("record type picklists %s %s: %w", object, recordTypeID, err)
	}
	return out, nil
}

// picklistCollectionJSON is the wire shape of a Picklist Values Collection,
// the part RecordTypePicklists keeps.
type picklistCollectionJSON struct {
	PicklistFieldValues map[string]*struct {
		Values []struct {
			Label *string `json:"label"`
			Value *string `json:"value"`
		} `json:"values"`
	} `json:"picklistFieldValues"`
}

// parsePicklistCollection decodes a Picklist Values Collection. A body
// without picklistFieldValues, a field without values, or a value without
// its value string is malformed (ErrMalformedResponse); a missing label is
// the value.
func parsePicklistCollection(body []byte) (map[string][]PicklistValue, error) {
	var pc picklistCollectionJSON
	if err := json.Unmarshal(body, &pc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedResponse, snippet(err.Error()))
	}
	if pc.PicklistFieldValues == nil {
		return nil, fmt.Errorf("%w: no picklistFieldValues", ErrMalformedResponse)
	}
	out := make(map[string][]PicklistValue, len(pc.PicklistFieldValues))
	for field, pv := range pc.PicklistFieldValues {
		if pv == nil || pv.Values == nil {
			return nil, fmt.Errorf("%w: field %q has no values", ErrMalformedResponse, snippet(field))
		}
		vals := make([]PicklistValue, 0, len(pv.Values))
		for i, v := range pv.Values {
			if v.Value == nil {
				return nil, fmt.Errorf("%w: field %q value %d has no value", ErrMalformedResponse, snippet(field), i)
			}
			label := *v.Value
			if v.Label != nil {
				label = *v.Label
			}
			vals = append(vals, PicklistValue{Value: *v.Value, Label: label, Active: true})
		}
		out[field] = vals
	}
	return out, nil
}

// validRecordTypeID reports whether s has the form of a record type ID: 15
// or 18 ASCII letters and digits with the RecordType key prefix 012 (every
// ID starts with its object's three-character key prefix; the master
// record type is 012000000000000AAA). It can go into a URL path as is.
func validRecordTypeID(s string) bool {
	return ValidID(s) && s[:3] == "012"
}
