package sftest

import (
	"sort"
	"strings"
	"time"
)

// change is one record of a write request on its way to the table.
type change struct {
	object string         // object name as given (attributes.type or URL)
	id     string         // as given
	fields map[string]any // field name as given -> decoded JSON value

	t     *table
	row   int
	canon string // canonical 15-character ID
	cols  []int  // field indexes, sorted
	cells []cell // converted values, parallel to cols
	errs  []apiError
	isNew bool // an Insert: no row yet
}

// writeOptions select the request-level behaviours of a write.
type writeOptions struct {
	allOrNone bool
	lockRows  bool // draw UNABLE_TO_LOCK_ROW faults per record
	triggers  bool // FailTrigger applies, and the TriggerLock fault is drawn
	rules     bool // validation rules (FailValidation) and duplicate rules apply
	dup       dupHeader
	version   string // API version of the request, for URLs in errors
	source    string // "api" or "user"
}

// Per-record save errors, with the StatusCode values of the SOAP API
// ("Core Data Types Used in API Calls", StatusCode,
// https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm),
// which REST returns as "statusCode" in sObject Collections results and as
// "errorCode" in single-record responses.
func missingID() apiError {
	return apiError{Code: "MISSING_ARGUMENT", Message: "Id not specified in an update call"}
}

// malformedID: "Account ID: id value of incorrect type: 001xx000003DGb2999"
// (the failure example of "Update Records Using sObject Collections",
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_update.htm).
func malformedID(o *ObjectSchema, id string) apiError {
	return apiError{Code: "MALFORMED_ID", Message: o.Label + " ID: id value of incorrect type: " + id, Fields: []string{"Id"}}
}

func unknownRecord() apiError {
	return apiError{Code: "INVALID_CROSS_REFERENCE_KEY", Message: "invalid cross reference id"}
}

func entityDeleted() apiError {
	return apiError{Code: "ENTITY_IS_DELETED", Message: "entity is deleted"}
}

// duplicateID: an ID that appears more than once in one request fails at
// every occurrence. The SOAP update() call documents that it "checks a
// batch for duplicate Id values" and marks the extra entries with an error
// (update(), SOAP API Developer Guide,
// https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_update.htm);
// Apex DML rejects such a list with "Duplicate id in list". The emulator is
// stricter than update()'s allowance of 12 duplicates: none pass.
func duplicateID(id string) apiError {
	return apiError{Code: "DUPLICATE_VALUE", Message: "Duplicate id in list: " + id}
}

// readOnlyFields: "Unable to create/update fields: CreatedDate. Please check
// the security settings of this field and verify that it is read/write for
// your profile or permission set."
func readOnlyFields(names []string) apiError {
	return apiError{Code: "INVALID_FIELD_FOR_INSERT_UPDATE",
		Message: "Unable to create/update fields: " + strings.Join(names, ", ") +
			". Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
		Fields: names}
}

func requiredMissing(names []string) apiError {
	return apiError{Code: "REQUIRED_FIELD_MISSING", Message: "Required fields are missing: [" + strings.Join(names, ", ") + "]", Fields: names}
}

// triggerFailure is what a record-triggered automation hitting an Apex
// governor limit does to a save: the limit exception is uncatchable, so the
// whole transaction, every record of the request, fails with
// CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY and the trigger's message ("Execution
// Governors and Limits", Apex Developer Guide,
// https://developer.salesforce.com/docs/atlas.en-us.apexcode.meta/apexcode/apex_gov_limits.htm:
// "Maximum CPU time on the Salesforce servers 10,000 milliseconds").
func triggerFailure(object string) apiError {
	return apiError{Code: "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY",
		Message: object + "Trigger: execution of BeforeUpdate\n\ncaused by: System.LimitException: Apex CPU time limit exceeded\n\n(System Code)"}
}

// lockFailure is UNABLE_TO_LOCK_ROW, "unable to obtain exclusive access to
// this record" (StatusCode list; Salesforce Help "UNABLE_TO_LOCK_ROW",
// https://help.salesforce.com/s/articleView?id=000387413&type=1).
func lockFailure(id string) apiError {
	return apiError{Code: "UNABLE_TO_LOCK_ROW", Message: "unable to obtain exclusive access to this record or 1 records: " + id}
}

// rolledBack is the result of a valid record of an allOrNone request that
// failed elsewhere.
func rolledBack() apiError {
	return apiError{Code: "ALL_OR_NONE_OPERATION_ROLLED_BACK",
		Message: "Record rolled back because not all records were valid and the request was using AllOrNone header"}
}

// resolve finds each change's table and row and checks its ID, marking
// duplicates. The caller holds s.mu.
func (s *Server) resolve(cs []*change) {
	seen := map[string][]*change{}
	for _, c := range cs {
		o, ok := s.objectOf(c)
		if !ok {
			continue
		}
		c.t = s.tables[o.Name]
		if c.id == "" {
			c.errs = append(c.errs, missingID())
			continue
		}
		row, err := c.t.lookup(c.id)
		switch {
		case err != nil:
			c.errs = append(c.errs, malformedID(o, c.id))
			continue
		case row < 0:
			c.errs = append(c.errs, unknownRecord())
			continue
		case c.t.deleted(row):
			c.errs = append(c.errs, entityDeleted())
			continue
		}
		c.row = row
		c.canon, _ = canonicalID(c.id)
		seen[c.canon] = append(seen[c.canon], c)
	}
	for _, dups := range seen {
		if len(dups) < 2 {
			continue
		}
		for _, c := range dups {
			c.errs = append(c.errs, duplicateID(c.t.id(c.row)))
		}
	}
}

// check converts and validates the fields of each resolved change, in the
// order Salesforce reports problems: read-only fields (the schema's or
// SetFieldEditable's), then required fields set to null, then each value's
// length and picklist, a restricted picklist against the record type the
// record has after the write. Field-level security applies to api writes,
// not to a user's. The fields must exist (decode checks that). The caller
// holds s.mu.
func (s *Server) check(cs []*change, api bool) {
	for _, c := range cs {
		if c.t == nil || len(c.errs) > 0 {
			continue
		}
		var readOnly, required []string
		names := make([]string, 0, len(c.fields))
		for name := range c.fields {
			names = append(names, name)
		}
		sort.Strings(names)
		rt := s.recordTypeAfter(c)
		for _, name := range names {
			f, fi, _ := c.t.obj.Field(name)
			if f.Name == "Id" {
				continue
			}
			if !f.Updateable || (api && !s.editable(c.t.obj, f)) {
				readOnly = append(readOnly, f.Name)
				continue
			}
			v := c.fields[name]
			if fi == c.t.fRecordType {
				cl, err := s.checkRecordType(c.t.obj, v)
				if err != nil {
					c.errs = append(c.errs, *err)
					continue
				}
				c.cols = append(c.cols, fi)
				c.cells = append(c.cells, cl)
				continue
			}
			if v == nil && !f.Nillable && f.kind != kBool {
				required = append(required, f.Name)
				continue
			}
			cl, terr := convert(f, v)
			if terr != nil {
				// decode rejects type errors before this point; a user edit
				// reports them here.
				c.errs = append(c.errs, apiError{Code: "JSON_PARSER_ERROR", Message: terr.message(1), Fields: []string{f.Name}})
				continue
			}
			cl, verr := validate(f, cl, rt)
			if verr != nil {
				c.errs = append(c.errs, *verr)
				continue
			}
			c.cols = append(c.cols, fi)
			c.cells = append(c.cells, cl)
		}
		if len(readOnly) > 0 {
			c.errs = append([]apiError{readOnlyFields(readOnly)}, c.errs...)
		}
		if len(required) > 0 {
			c.errs = append(c.errs, requiredMissing(required))
		}
	}
}

// apply runs a resolved and checked write in Salesforce's order of
// execution ("Triggers and Order of Execution", Apex Developer Guide,
// https://developer.salesforce.com/docs/atlas.en-us.apexcode.meta/apexcode/apex_triggers_order_of_execution.htm):
// before triggers (FailTrigger), custom validation rules (FailValidation),
// duplicate rules, the save itself (LockRow faults), after triggers
// (TriggerLock faults); then allOrNone decides whether the others are
// written, each bumping SystemModstamp and LastModifiedDate (even when no
// value changes: "The API updates certain fields automatically, such as
// LastModifiedDate, LastModifiedById, and SystemModstamp", update()). It
// returns the number of records written and of no-op writes. The caller
// holds s.mu for writing.
func (s *Server) apply(cs []*change, o writeOptions) (written, noops int) {
	if o.triggers {
		s.beforeTriggers(cs)
	}
	if o.rules {
		s.validationRules(cs)
		s.duplicateRules(cs, o)
	}
	if o.lockRows {
		for _, c := range cs {
			if len(c.errs) == 0 && s.faults.lockRow() {
				c.errs = append(c.errs, lockFailure(c.t.id(c.row)))
			}
		}
	}
	if o.triggers {
		s.afterTriggers(cs)
	}
	failed := false
	for _, c := range cs {
		if len(c.errs) > 0 {
			failed = true
		}
	}
	if failed && o.allOrNone {
		for _, c := range cs {
			if len(c.errs) == 0 {
				c.errs = append(c.errs, rolledBack())
			}
		}
		return 0, 0
	}
	stamp := s.stamp()
	for _, c := range cs {
		if len(c.errs) > 0 {
			continue
		}
		if s.write(c, stamp, o.source) {
			noops++
		}
		written++
	}
	return written, noops
}

// beforeTriggers fails every valid change of a request that contains a
// FailTrigger id. The caller holds s.mu.
func (s *Server) beforeTriggers(cs []*change) {
	if len(s.failIDs) == 0 {
		return
	}
	hit := false
	for _, c := range cs {
		if c.canon != "" && s.failIDs[c.canon] {
			hit = true
		}
	}
	if !hit {
		return
	}
	for _, c := range cs {
		if len(c.errs) == 0 {
			name := "Record"
			if c.t != nil {
				name = c.t.obj.Name
			}
			c.errs = append(c.errs, triggerFailure(name))
		}
	}
}

// stamp returns the time a write made now records in SystemModstamp.
// Salesforce dateTimes carry whole seconds (".000" in every REST value).
func (s *Server) stamp() time.Time { return s.now().UTC().Truncate(time.Second) }

// write stores one change stamped at stamp, logs it and reports whether it
// was a no-op (every value equal to what was stored). The caller holds s.mu
// for writing.
func (s *Server) write(c *change, stamp time.Time, source string) (noop bool) {
	t := c.t
	noop = true
	fields := make(map[string]any, len(c.cols))
	for i, fi := range c.cols {
		if !t.get(c.row, fi).equal(c.cells[i], t.obj.Fields[fi].kind) {
			noop = false
		}
		t.set(c.row, fi, c.cells[i])
		fields[t.obj.Fields[fi].Name] = t.value(c.row, fi)
	}
	ms := cell{i: stamp.UnixMilli()}
	t.set(c.row, t.fModified, ms)
	t.set(c.row, t.fModstamp, ms)
	t.set(c.row, t.fModifiedBy, cell{s: modifiedBy(source)})
	s.writes.add(Write{At: stamp, Object: t.obj.Name, ID: t.id(c.row), Fields: fields, Noop: noop, Source: source})
	return noop
}

// FailTrigger makes every sObject Collections or single-record write that
// contains one of ids fail for all its records, as an org whose trigger
// hits an Apex governor limit on those records does
// (CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY, "... System.LimitException: Apex
// CPU time limit exceeded"). A client that splits the batch isolates the
// records. Called with no ids it turns the behaviour off. Malformed ids are
// ignored.
func (s *Server) FailTrigger(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failIDs = nil
	for _, id := range ids {
		c, err := canonicalID(id)
		if err != nil {
			continue
		}
		if s.failIDs == nil {
			s.failIDs = map[string]bool{}
		}
		s.failIDs[c] = true
	}
}
