package sftest

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// Record creation through the REST API: a single record ("Create a
// Record", REST API Developer Guide,
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_create.htm:
// POST /services/data/vXX.X/sobjects/{Object} answers 201 Created with
// {"id","errors":[],"success":true}; a failure is 400 with the error
// array) and up to 200 records ("Create Records Using sObject
// Collections",
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_create.htm:
// POST /services/data/vXX.X/composite/sobjects with {"allOrNone",
// "records"}, each with attributes.type and no id; 200 with one SaveResult
// per record in request order). Every record is checked as an update is
// (unknown fields, types, lengths, restricted picklists), then for required
// fields left out without a default, an inactive owner
// (INACTIVE_OWNER_OR_USER) and the validation rules FailValidationWhere
// sets.

// idOnInsert: "cannot specify Id in an insert call" (INVALID_FIELD_FOR_INSERT_UPDATE).
func idOnInsert() apiError {
	return apiError{Code: "INVALID_FIELD_FOR_INSERT_UPDATE", Message: "cannot specify Id in an insert call", Fields: []string{"Id"}}
}

// inactiveOwner is StatusCode INACTIVE_OWNER_OR_USER ("Core Data Types Used
// in API Calls", StatusCode,
// https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm:
// "The owner of the record is inactive" / "the user or record owner is not
// active"), with the message orgs return, "operation performed with
// inactive user [id] as owner of task".
func inactiveOwner(object, id string) apiError {
	return apiError{Code: "INACTIVE_OWNER_OR_USER",
		Message: "operation performed with inactive user [" + id + "] as owner of " + strings.ToLower(object)}
}

// createRule is a validation rule FailValidationWhere installs.
type createRule struct {
	object, field, value, message string
}

// FailValidationWhere installs a validation rule on object: the creation
// of a record whose field equals value (as text) fails with
// FIELD_CUSTOM_VALIDATION_EXCEPTION and message (updates are not subject
// to it: FailValidation covers them). Rules add up; called with an empty
// object it removes every rule.
func (s *Server) FailValidationWhere(object, field, value, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if object == "" {
		s.createRule = nil
		return
	}
	s.createRule = append(s.createRule, createRule{object: object, field: field, value: value, message: message})
}

// DeactivateUser makes the user with id inactive: a record created with
// it as OwnerId fails with INACTIVE_OWNER_OR_USER. ActivateUser undoes it.
func (s *Server) DeactivateUser(id string) { s.setUserActive(id, false) }

// ActivateUser makes a user DeactivateUser made inactive active again.
func (s *Server) ActivateUser(id string) { s.setUserActive(id, true) }

func (s *Server) setUserActive(id string, active bool) {
	c, err := canonicalID(id)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inactive == nil {
		s.inactive = map[string]bool{}
	}
	if active {
		delete(s.inactive, c)
	} else {
		s.inactive[c] = true
	}
}

// handleCreate serves POST /services/data/vXX.X/sobjects/{Object}.
func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request, version string, rest []string) {
	o, ok := s.schema.Object(rest[1])
	if !ok {
		writeErrors(w, http.StatusNotFound, notFound())
		return
	}
	fields, raw, ok := readFields(w, r)
	if !ok {
		return
	}
	c := &change{object: o.Name, fields: map[string]any{}}
	for k, v := range fields {
		switch {
		case k == "attributes":
		case strings.EqualFold(k, "id"):
			c.id, _ = v.(string)
		default:
			c.fields[k] = v
		}
	}
	if e := decodeFields(o, c.fields, raw); e != nil {
		writeErrors(w, http.StatusBadRequest, *e)
		return
	}
	s.mu.Lock()
	n := s.create([]*change{c}, true)
	s.mu.Unlock()
	if n == 0 {
		writeErrors(w, http.StatusBadRequest, c.errs...)
		return
	}
	s.stats.wrote(n, 0)
	writeJSON(w, http.StatusCreated, saveResult{ID: c.t.id(c.row), Success: true, Errors: []saveError{}})
}

// handleCollectionsCreate serves POST /services/data/vXX.X/composite/sobjects.
func (s *Server) handleCollectionsCreate(w http.ResponseWriter, r *http.Request, version string, _ []string) {
	allOrNone, cs, ok := s.decodeCollection(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	n := s.create(cs, allOrNone)
	out := saveResults(cs)
	s.mu.Unlock()
	if n > 0 {
		s.stats.wrote(n, 0)
	}
	writeJSON(w, http.StatusOK, out)
}

// create validates and inserts cs as the integration user and returns how
// many records it created. With allOrNone one failure creates none and the
// valid records report ALL_OR_NONE_OPERATION_ROLLED_BACK. The caller holds
// s.mu for writing.
func (s *Server) create(cs []*change, allOrNone bool) int {
	for _, c := range cs {
		o, ok := s.objectOf(c)
		if !ok {
			continue
		}
		c.t, c.isNew = s.tables[o.Name], true
		if c.id != "" {
			c.errs = append(c.errs, idOnInsert())
			continue
		}
		for name, v := range createDefaults[o.Name] {
			if _, _, set := fieldIn(o, c.fields, name); !set {
				c.fields[name] = v
			}
		}
	}
	s.check(cs, true)
	for _, c := range cs {
		if c.t == nil || len(c.errs) > 0 {
			continue
		}
		if missing := s.missingRequired(c); len(missing) > 0 {
			c.errs = append(c.errs, requiredMissing(missing))
			continue
		}
		if owner, _, set := fieldIn(c.t.obj, c.fields, "OwnerId"); set {
			if id, _ := c.fields[owner].(string); id != "" {
				if canon, err := canonicalID(id); err == nil && s.inactive[canon] {
					c.errs = append(c.errs, inactiveOwner(c.t.obj.Name, id))
					continue
				}
			}
		}
		if e := s.createRuleFails(c); e != nil {
			c.errs = append(c.errs, *e)
		}
	}
	failed := slices.ContainsFunc(cs, func(c *change) bool { return len(c.errs) > 0 })
	if failed && allOrNone {
		for _, c := range cs {
			if len(c.errs) == 0 {
				c.errs = append(c.errs, rolledBack())
			}
		}
		return 0
	}
	stamp := s.stamp()
	n := 0
	for _, c := range cs {
		if len(c.errs) > 0 {
			continue
		}
		t := c.t
		t.grow(1)
		c.row = t.appendRow(stamp.UnixMilli())
		t.set(c.row, t.fCreatedBy, cell{s: IntegrationUserID})
		if t.fRecordType >= 0 && len(t.obj.RecordTypes) > 0 && !slices.Contains(c.cols, t.fRecordType) {
			c.cols = append(c.cols, t.fRecordType)
			c.cells = append(c.cells, cell{s: t.obj.defaultRecordType().ID})
		}
		s.write(c, stamp, "api")
		n++
	}
	return n
}

// fieldIn finds the key of fields naming the field name of o
// (case-insensitively).
func fieldIn(o *ObjectSchema, fields map[string]any, name string) (key string, v any, ok bool) {
	for k, v := range fields {
		if strings.EqualFold(k, name) {
			return k, v, true
		}
	}
	return "", nil, false
}

// missingRequired lists the fields a create must set and c leaves out:
// neither nillable nor a checkbox (which defaults to false).
func (s *Server) missingRequired(c *change) []string {
	var out []string
	for fi, f := range c.t.obj.Fields {
		if !f.Updateable || f.Nillable || f.kind == kBool || fi == c.t.fRecordType {
			continue
		}
		if _, _, set := fieldIn(c.t.obj, c.fields, f.Name); !set {
			out = append(out, f.Name)
		}
	}
	sort.Strings(out)
	return out
}

// createRuleFails returns the error of the first FailValidationWhere rule
// c's values meet, or nil.
func (s *Server) createRuleFails(c *change) *apiError {
	for _, r := range s.createRule {
		if !strings.EqualFold(r.object, c.t.obj.Name) {
			continue
		}
		_, v, ok := fieldIn(c.t.obj, c.fields, r.field)
		if ok && fmt.Sprint(v) == r.value {
			return &apiError{Code: "FIELD_CUSTOM_VALIDATION_EXCEPTION", Message: r.message}
		}
	}
	return nil
}
