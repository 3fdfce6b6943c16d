package sftest

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/http"
)

// uiPicklistValues is a Picklist Values response body ("Picklist Values",
// User Interface API Developer Guide,
// https://developer.salesforce.com/docs/atlas.en-us.uiapi.meta/uiapi/ui_api_responses_picklist_values.htm):
// controllerValues (empty for an independent picklist), defaultValue (null
// when there is none), eTag, url and values.
type uiPicklistValues struct {
	ControllerValues map[string]int    `json:"controllerValues"`
	DefaultValue     *uiPicklistValue  `json:"defaultValue"`
	ETag             string            `json:"eTag"`
	URL              string            `json:"url"`
	Values           []uiPicklistValue `json:"values"`
}

// uiPicklistValue is a Picklist Value ("Picklist Value", same guide,
// https://developer.salesforce.com/docs/atlas.en-us.uiapi.meta/uiapi/ui_api_responses_picklist_value.htm):
// attributes (null for these fields), label, validFor (empty for an
// independent picklist) and value.
type uiPicklistValue struct {
	Attributes any    `json:"attributes"`
	Label      string `json:"label"`
	ValidFor   []int  `json:"validFor"`
	Value      string `json:"value"`
}

// handlePicklistValues serves
// GET /services/data/vXX.X/ui-api/object-info/{object}/picklist-values/{recordTypeId}
// ("Get Values for All Picklist Fields of a Record Type",
// https://developer.salesforce.com/docs/atlas.en-us.uiapi.meta/uiapi/ui_api_resources_picklist_values_collection.htm):
// a Picklist Values Collection, {"picklistFieldValues": {field: Picklist
// Values}}, with every picklist field of the object and the values the
// record type allows, labels included; and .../{recordTypeId}/{field}
// ("Get Values for a Picklist Field",
// https://developer.salesforce.com/docs/atlas.en-us.uiapi.meta/uiapi/ui_api_resources_picklist_values.htm),
// one field's Picklist Values. It counts as an API call.
//
// Errors ("Status Codes and Error Responses", same guide: 400 "usually
// because the ID is not valid for the particular resource", 404 "the
// specified resource was not found"): an unknown object is 400 INVALID_TYPE
// "Object X is not supported in UI API" (what orgs answer for an object
// the UI API does not serve); a record type ID that is not an ID of a
// record type is 400 MALFORMED_ID; the ID of no record type of the object
// is 404 NOT_FOUND, as is a field that is not a picklist of the object. The
// guide names the statuses, not these codes.
func (s *Server) handlePicklistValues(w http.ResponseWriter, _ *http.Request, version string, rest []string) {
	o, ok := s.schema.Object(rest[2])
	if !ok {
		writeErrors(w, http.StatusBadRequest, apiError{Code: "INVALID_TYPE", Message: "Object " + rest[2] + " is not supported in UI API"})
		return
	}
	id := rest[4]
	if full, err := To18(id); err != nil || full[:3] != recordTypePrefix {
		writeErrors(w, http.StatusBadRequest, apiError{Code: "MALFORMED_ID", Message: "Record Type ID: id value of incorrect type: " + id})
		return
	}
	rt, ok := o.RecordType(id)
	if !ok {
		writeErrors(w, http.StatusNotFound, notFound())
		return
	}
	base := "/services/data/v" + version + "/ui-api/object-info/" + o.Name + "/picklist-values/" + rt.ID + "/"
	if len(rest) == 6 {
		f, _, ok := o.Field(rest[5])
		if !ok || f.Type != "picklist" {
			writeErrors(w, http.StatusNotFound, notFound())
			return
		}
		writeJSON(w, http.StatusOK, picklistValuesOf(f, rt, base+f.Name))
		return
	}
	out := map[string]uiPicklistValues{}
	for _, f := range o.Fields {
		if f.Type == "picklist" {
			out[f.Name] = picklistValuesOf(f, rt, base+f.Name)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"picklistFieldValues": out})
}

// picklistValuesOf returns f's values that rt allows. The eTag is a hash
// of the values, so it changes when they do.
func picklistValuesOf(f *FieldSchema, rt *RecordTypeSchema, url string) uiPicklistValues {
	pv := uiPicklistValues{ControllerValues: map[string]int{}, URL: url, Values: []uiPicklistValue{}}
	for _, v := range f.PicklistValues {
		if rt.allows(f, v.Value) {
			pv.Values = append(pv.Values, uiPicklistValue{Label: v.Label, ValidFor: []int{}, Value: v.Value})
		}
	}
	data, _ := json.Marshal(pv.Values) //nolint:errcheck // plain strings and ints
	sum := md5.Sum(append([]byte(url+"\x00"), data...))
	pv.ETag = hex.EncodeToString(sum[:])
	return pv
}
