package sftest

import (
	"bytes"
	"net/http"
	"sort"
	"strings"
)

// maxCollection is the sObject Collections record limit: "The list can
// contain up to 200 objects" ("Update Records Using sObject Collections",
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_update.htm).
// More is rejected as a whole with EXCEEDED_ID_LIMIT, "record limit
// reached. cannot submit more than 200 records into this call" (the
// ExceptionCode of the SOAP API, "Core Data Types Used in API Calls").
const maxCollection = 200

// maxBody bounds a request body (200 records with long text fit easily).
const maxBody = 64 << 20

// saveResult is one entry of an sObject Collections response: a SaveResult
// in JSON. A failed record has no id.
type saveResult struct {
	ID      string      `json:"id,omitempty"`
	Success bool        `json:"success"`
	Errors  []saveError `json:"errors"`
}

type saveError struct {
	StatusCode      string           `json:"statusCode"`
	Message         string           `json:"message"`
	Fields          []string         `json:"fields"`
	DuplicateResult *duplicateResult `json:"duplicateResult,omitempty"`
}

// 400 JSON_PARSER_ERROR: the body is not the JSON the resource expects
// (errorcodes.htm: 400 "The request couldn't be understood, usually
// because the JSON or XML body contains an error").
func jsonParserError(msg string) apiError { return apiError{Code: "JSON_PARSER_ERROR", Message: msg} }

// noSuchColumn: an unknown field in a write body is 400 INVALID_FIELD "No
// such column 'X' on sobject of type Account" for the whole request (the
// body cannot be deserialized into the sObject).
func noSuchColumn(field, object string) apiError {
	return apiError{Code: "INVALID_FIELD", Message: "No such column '" + field + "' on sobject of type " + object, Fields: []string{field}}
}

// decodeFields checks a record's fields against its object: every name
// must be a field (INVALID_FIELD) and every value must have a JSON type the
// field can take (JSON_PARSER_ERROR, see typeError). raw is the request
// body, used to point at the offending value.
func decodeFields(o *ObjectSchema, fields map[string]any, raw []byte) *apiError {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f, _, ok := o.Field(n)
		if !ok {
			e := noSuchColumn(n, o.Name)
			return &e
		}
		if _, terr := convert(f, fields[n]); terr != nil {
			col := bytes.Index(raw, []byte(`"`+n+`"`)) + len(n) + 4
			e := jsonParserError(terr.message(max(col, 1)))
			return &e
		}
	}
	return nil
}

// handleCollections serves PATCH /services/data/vXX.X/composite/sobjects:
// {"allOrNone":bool,"records":[{"attributes":{"type":"Account"},"id":...,
// field: value, ...}]} updates up to 200 records and answers 200 with one
// SaveResult per record, in request order. With allOrNone a failure rolls
// every record back and the valid ones report
// ALL_OR_NONE_OPERATION_ROLLED_BACK. A body that is not well formed is 400
// ("If the request isn't well formed, the API returns a 400 Bad Request").
func (s *Server) handleCollections(w http.ResponseWriter, r *http.Request, version string, _ []string) {
	allOrNone, cs, ok := s.decodeCollection(w, r)
	if !ok {
		return
	}

	s.mu.Lock()
	s.resolve(cs)
	s.check(cs, true)
	written, noops := s.apply(cs, writeOptions{allOrNone: allOrNone, lockRows: true, triggers: true, rules: true,
		dup: parseDupHeader(r.Header), version: version, source: "api"})
	out := saveResults(cs)
	s.mu.Unlock()
	if written > 0 {
		s.stats.wrote(written, noops)
	}
	writeJSON(w, http.StatusOK, out)
}

// saveResults is the sObject Collections response for cs: the ID of each
// record written, the errors of each one refused.
func saveResults(cs []*change) []saveResult {
	out := make([]saveResult, len(cs))
	for i, c := range cs {
		if len(c.errs) == 0 {
			out[i] = saveResult{ID: c.t.id(c.row), Success: true, Errors: []saveError{}}
			continue
		}
		res := saveResult{Errors: make([]saveError, len(c.errs))}
		for j, e := range c.errs {
			res.Errors[j] = saveError{StatusCode: e.Code, Message: e.Message, Fields: nonNil(e.Fields), DuplicateResult: e.Duplicate}
		}
		out[i] = res
	}
	return out
}

// objectOf returns c's object, or records INVALID_TYPE on c and reports
// false when c names none or one the org does not have.
func (s *Server) objectOf(c *change) (*ObjectSchema, bool) {
	o, ok := s.schema.Object(c.object)
	if !ok || c.object == "" {
		msg := "Must send a concrete entity type."
		if c.object != "" {
			msg = "sObject type '" + c.object + "' is not supported."
		}
		c.errs = append(c.errs, apiError{Code: "INVALID_TYPE", Message: msg})
		return nil, false
	}
	return o, true
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// validIDShape reports whether s looks like a record ID (15 or 18 letters
// and digits); anything else in a record URL is read as an external ID.
func validIDShape(s string) bool {
	if len(s) != 15 && len(s) != 18 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) {
			return false
		}
	}
	return true
}

// handleRecord serves GET and PATCH /services/data/vXX.X/sobjects/{Object}/{id}
// ("sObject Rows",
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_retrieve.htm;
// "Update a Record", .../dome_update_fields.htm: a successful PATCH is 204
// No Content). An unknown object, or an id that is not one, is 404
// NOT_FOUND; a record that does not exist is 404 NOT_FOUND, a deleted one
// 404 ENTITY_IS_DELETED; an id of another object 400 MALFORMED_ID; field
// errors are 400 with their codes.
func (s *Server) handleRecord(w http.ResponseWriter, r *http.Request, version string, rest []string) {
	o, ok := s.schema.Object(rest[1])
	if !ok {
		writeErrors(w, http.StatusNotFound, notFound())
		return
	}
	id := rest[2]
	if !validIDShape(id) {
		writeErrors(w, http.StatusNotFound, apiError{Code: "NOT_FOUND",
			Message: "Provided external ID field does not exist or is not accessible: " + id})
		return
	}
	if r.Method == http.MethodGet {
		s.mu.RLock()
		t := s.tables[o.Name]
		row, err := t.lookup(id)
		var body []byte
		switch {
		case err == nil && row >= 0 && !t.deleted(row):
			idx := make([]int, len(o.Fields))
			names := make([]string, len(o.Fields))
			for i, f := range o.Fields {
				idx[i], names[i] = i, f.Name
			}
			body = t.appendRecord(nil, row, version, names, idx)
		case err == nil && row >= 0:
			s.mu.RUnlock()
			writeErrors(w, http.StatusNotFound, entityDeleted())
			return
		}
		s.mu.RUnlock()
		if err != nil {
			writeErrors(w, http.StatusBadRequest, malformedID(o, id))
			return
		}
		if body == nil {
			writeErrors(w, http.StatusNotFound, notFound())
			return
		}
		writeBody(w, http.StatusOK, body)
		return
	}

	fields, raw, ok := readFields(w, r)
	if !ok {
		return
	}
	delete(fields, "attributes")
	for k, v := range fields {
		// The record's own Id may be repeated in the body.
		if strings.EqualFold(k, "id") {
			if sv, ok := v.(string); ok && sameID(sv, id) {
				delete(fields, k)
			}
		}
	}
	if e := decodeFields(o, fields, raw); e != nil {
		writeErrors(w, http.StatusBadRequest, *e)
		return
	}
	c := &change{object: o.Name, id: id, fields: fields}
	cs := []*change{c}
	s.mu.Lock()
	s.resolve(cs)
	s.check(cs, true)
	written, noops := s.apply(cs, writeOptions{triggers: true, rules: true, dup: parseDupHeader(r.Header), version: version, source: "api"})
	s.mu.Unlock()
	if written > 0 {
		s.stats.wrote(written, noops)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	status := http.StatusBadRequest
	errs := c.errs
	switch errs[0].Code {
	case "INVALID_CROSS_REFERENCE_KEY":
		status, errs = http.StatusNotFound, []apiError{notFound()}
	case "ENTITY_IS_DELETED":
		status = http.StatusNotFound
	}
	writeErrors(w, status, errs...)
}

// sameID reports whether two IDs name the same record.
func sameID(a, b string) bool {
	ca, err1 := canonicalID(a)
	cb, err2 := canonicalID(b)
	return err1 == nil && err2 == nil && ca == cb
}

// decodeCollection reads an sObject Collections request body ({"allOrNone",
// "records"}: at most 200 records, each with attributes.type) into
// changes, or answers the request's error and reports false.
func (s *Server) decodeCollection(w http.ResponseWriter, r *http.Request) (allOrNone bool, cs []*change, ok bool) {
	var body struct {
		AllOrNone bool             `json:"allOrNone"`
		Records   []map[string]any `json:"records"`
	}
	raw, ok := readJSON(w, r, &body)
	if !ok {
		return false, nil, false
	}
	if len(body.Records) > maxCollection {
		writeErrors(w, http.StatusBadRequest, apiError{Code: "EXCEEDED_ID_LIMIT",
			Message: "record limit reached. cannot submit more than 200 records into this call"})
		return false, nil, false
	}
	cs = make([]*change, len(body.Records))
	for i, rec := range body.Records {
		c := &change{fields: map[string]any{}}
		for k, v := range rec {
			switch {
			case k == "attributes":
				if attrs, ok := v.(map[string]any); ok {
					c.object, _ = attrs["type"].(string)
				}
			case strings.EqualFold(k, "id"):
				c.id, _ = v.(string)
			default:
				c.fields[k] = v
			}
		}
		if o, ok := s.schema.Object(c.object); ok {
			if e := decodeFields(o, c.fields, raw); e != nil {
				writeErrors(w, http.StatusBadRequest, *e)
				return false, nil, false
			}
		}
		cs[i] = c
	}
	return body.AllOrNone, cs, true
}
