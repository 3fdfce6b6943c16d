package sftest

import (
	"net/http"
	"strconv"
)

// versionInfo is one entry of the versions list.
type versionInfo struct {
	Label   string `json:"label"`
	URL     string `json:"url"`
	Version string `json:"version"`
}

// versionLabel names the release of API version v: 31.0 is Summer '14, then
// Winter, Spring and Summer of each year (Winter '25 is 62.0).
func versionLabel(v int) string {
	if v <= minVersion {
		return "Summer '14"
	}
	k := v - 32
	season := [3]string{"Winter", "Spring", "Summer"}[k%3]
	return season + " '" + strconv.Itoa(15+k/3)
}

// handleVersions serves GET /services/data: the API versions the instance
// serves, oldest first, as a JSON array of {label, url, version}. It needs
// no authentication and does not count against the API limit ("List
// Available REST API Versions",
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_versions.htm;
// "Limit Info Header": every call counts "except for calls to the Versions
// URI", https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm).
func (s *Server) handleVersions(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeErrors(w, http.StatusMethodNotAllowed, methodNotAllowed(r.Method, "GET,HEAD"))
		return
	}
	var out []versionInfo
	for v := minVersion; v <= maxVersion; v++ {
		ver := strconv.Itoa(v) + ".0"
		out = append(out, versionInfo{Label: versionLabel(v), URL: "/services/data/v" + ver, Version: ver})
	}
	writeJSON(w, http.StatusOK, out)
}

// handleResources serves GET /services/data/vXX.X: the resources of a
// version by name ("Resources by Version",
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_discoveryresource.htm).
// Only the resources the emulator serves are listed.
func (s *Server) handleResources(w http.ResponseWriter, _ *http.Request, version string, _ []string) {
	base := "/services/data/v" + version + "/"
	writeJSON(w, http.StatusOK, map[string]string{
		"limits":    base + "limits",
		"sobjects":  base + "sobjects",
		"query":     base + "query",
		"queryAll":  base + "queryAll",
		"composite": base + "composite",
		"ui-api":    base + "ui-api",
	})
}

// limit is one entry of the limits resource.
type limit struct {
	Max       int `json:"Max"`
	Remaining int `json:"Remaining"`
}

// handleLimits serves GET /services/data/vXX.X/limits: the org's limits as
// {"Name":{"Max":n,"Remaining":n}} ("Limits",
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_limits.htm).
// DailyApiRequests reports the emulator's API usage, this call included;
// the other entries are fixed values of a typical Enterprise org.
func (s *Server) handleLimits(w http.ResponseWriter, _ *http.Request, _ string, _ []string) {
	used, maxCalls := s.stats.usage()
	writeJSON(w, http.StatusOK, map[string]limit{
		"DailyApiRequests":         {Max: maxCalls, Remaining: max(0, maxCalls-used)},
		"DailyAsyncApexExecutions": {Max: 250000, Remaining: 250000},
		"DailyBulkV2QueryJobs":     {Max: 10000, Remaining: 10000},
		"DataStorageMB":            {Max: 1024, Remaining: 1024},
		"FileStorageMB":            {Max: 2048, Remaining: 2048},
	})
}

// handleDescribeGlobal serves GET /services/data/vXX.X/sobjects: the
// objects of the schema ("Describe Global",
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_describeGlobal.htm).
func (s *Server) handleDescribeGlobal(w http.ResponseWriter, _ *http.Request, version string, _ []string) {
	type entry struct {
		Name        string            `json:"name"`
		Label       string            `json:"label"`
		LabelPlural string            `json:"labelPlural"`
		KeyPrefix   string            `json:"keyPrefix"`
		Custom      bool              `json:"custom"`
		Queryable   bool              `json:"queryable"`
		Updateable  bool              `json:"updateable"`
		URLs        map[string]string `json:"urls"`
	}
	var objs []entry
	for _, o := range s.schema.Objects {
		objs = append(objs, entry{Name: o.Name, Label: o.Label, LabelPlural: o.LabelPlural, KeyPrefix: o.KeyPrefix,
			Custom: isCustom(o.Name), Queryable: true, Updateable: true, URLs: objectURLs(version, o.Name)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": objs})
}

func objectURLs(version, name string) map[string]string {
	base := "/services/data/v" + version + "/sobjects/" + name
	return map[string]string{"sobject": base, "describe": base + "/describe", "rowTemplate": base + "/{ID}"}
}

// fieldDescribe is one field of a describe result, with the properties of
// DescribeSObjectResult.fields ("Field", SOAP API Developer Guide,
// https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm#i1427700),
// which the REST describe returns as JSON.
type fieldDescribe struct {
	Name               string          `json:"name"`
	Label              string          `json:"label"`
	Type               string          `json:"type"`
	SoapType           string          `json:"soapType"`
	Length             int             `json:"length"`
	ByteLength         int             `json:"byteLength"`
	Precision          int             `json:"precision"`
	Scale              int             `json:"scale"`
	Digits             int             `json:"digits"`
	Updateable         bool            `json:"updateable"`
	Createable         bool            `json:"createable"`
	Nillable           bool            `json:"nillable"`
	Custom             bool            `json:"custom"`
	Calculated         bool            `json:"calculated"`
	Filterable         bool            `json:"filterable"`
	Sortable           bool            `json:"sortable"`
	IDLookup           bool            `json:"idLookup"`
	ExternalID         bool            `json:"externalId"`
	Unique             bool            `json:"unique"`
	DefaultedOnCreate  bool            `json:"defaultedOnCreate"`
	DefaultValue       any             `json:"defaultValue"`
	PicklistValues     []picklistEntry `json:"picklistValues"`
	RestrictedPicklist bool            `json:"restrictedPicklist"`
	ReferenceTo        []string        `json:"referenceTo"`
	RelationshipName   *string         `json:"relationshipName"`
}

type picklistEntry struct {
	Active       bool    `json:"active"`
	DefaultValue bool    `json:"defaultValue"`
	Label        string  `json:"label"`
	ValidFor     *string `json:"validFor"`
	Value        string  `json:"value"`
}

var soapTypes = map[string]string{
	"id": "tns:ID", "reference": "tns:ID", "string": "xsd:string", "textarea": "xsd:string", "picklist": "xsd:string",
	"email": "xsd:string", "phone": "xsd:string", "url": "xsd:string", "boolean": "xsd:boolean", "date": "xsd:date",
	"datetime": "xsd:dateTime", "double": "xsd:double", "currency": "xsd:double", "percent": "xsd:double", "int": "xsd:int",
}

// handleDescribe serves GET /services/data/vXX.X/sobjects/{Object}/describe
// ("sObject Describe",
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm):
// the object's properties, its fields with name, label, type, length,
// updateable (false for a field SetFieldEditable closed), nillable, custom,
// picklistValues (value and label) and restrictedPicklist, and its
// recordTypeInfos (see recordTypeInfo). An unknown object is 404 NOT_FOUND.
func (s *Server) handleDescribe(w http.ResponseWriter, _ *http.Request, version string, rest []string) {
	o, ok := s.schema.Object(rest[1])
	if !ok {
		writeErrors(w, http.StatusNotFound, notFound())
		return
	}
	fields := make([]fieldDescribe, len(o.Fields))
	s.mu.RLock()
	editable := make([]bool, len(o.Fields))
	for i, f := range o.Fields {
		editable[i] = s.editable(o, f)
	}
	s.mu.RUnlock()
	for i, f := range o.Fields {
		editable := editable[i]
		fd := fieldDescribe{
			Name: f.Name, Label: f.Label, Type: f.Type, SoapType: soapTypes[f.Type],
			Updateable: editable, Createable: editable, Nillable: f.Nillable, Custom: f.Custom(),
			Filterable: true, Sortable: f.Type != "textarea", IDLookup: f.Name == "Id",
			PicklistValues: []picklistEntry{}, RestrictedPicklist: f.RestrictedPicklist, ReferenceTo: []string{},
		}
		switch f.kind {
		case kString, kID:
			fd.Length = f.Length
			fd.ByteLength = 3 * f.Length
		case kNumber:
			fd.Precision, fd.Scale = f.Precision, f.Scale
			if f.Type == "int" {
				fd.Precision, fd.Digits = 0, f.Precision
			}
		case kBool:
			fd.DefaultedOnCreate, fd.DefaultValue = true, false
		}
		if f.Type == "reference" {
			fd.ReferenceTo = []string{"User"}
			if f.Name == "RecordTypeId" {
				fd.ReferenceTo = []string{"RecordType"}
			}
		}
		for _, v := range f.PicklistValues {
			fd.PicklistValues = append(fd.PicklistValues, picklistEntry{Active: true, Label: v.Label, Value: v.Value})
		}
		fields[i] = fd
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"name": o.Name, "label": o.Label, "labelPlural": o.LabelPlural, "keyPrefix": o.KeyPrefix,
		"custom": isCustom(o.Name), "createable": true, "updateable": true, "deletable": true,
		"queryable": true, "retrieveable": true, "searchable": true, "triggerable": true,
		"urls": objectURLs(version, o.Name), "fields": fields, "recordTypeInfos": o.recordTypeInfos(version),
	})
}

// methodNotAllowed is 405 METHOD_NOT_ALLOWED, "HTTP Method 'X' not allowed.
// Allowed are Y" (errorcodes.htm: "The request's HTTP method isn't allowed
// for the requested resource").
func methodNotAllowed(method, allowed string) apiError {
	return apiError{Code: "METHOD_NOT_ALLOWED", Message: "HTTP Method '" + method + "' not allowed. Allowed are " + allowed}
}
