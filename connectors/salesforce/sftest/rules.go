package sftest

import "strings"

// The org's automation and security as a write meets it: field-level
// security, validation rules, record types and after-save triggers. The
// methods that read server state expect the caller to hold s.mu.

// SetFieldEditable changes field-level security for the integration user
// at run time, as an admin editing a profile or permission set does
// ("Field-Level Security", Salesforce Help,
// https://help.salesforce.com/s/articleView?id=sf.admin_fls.htm). Not
// editable, describe reports the field updateable (and createable) false
// and a write that sets it fails per record with
// INVALID_FIELD_FOR_INSERT_UPDATE ("Unable to create/update fields: X.
// Please check the security settings of this field ..."). Editable again,
// the field is as the schema says (a field the schema makes read-only stays
// so). An unknown object or field is ignored.
func (s *Server) SetFieldEditable(object, field string, editable bool) {
	o, ok := s.schema.Object(object)
	if !ok {
		return
	}
	f, _, ok := o.Field(field)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := o.Name + "." + f.Name
	if editable {
		delete(s.readOnly, key)
		return
	}
	if s.readOnly == nil {
		s.readOnly = map[string]bool{}
	}
	s.readOnly[key] = true
}

// editable reports whether the integration user may write f of o.
func (s *Server) editable(o *ObjectSchema, f *FieldSchema) bool {
	return f.Updateable && !s.readOnly[o.Name+"."+f.Name]
}

// FailValidation makes every API write to one of ids fail for that record
// alone with FIELD_CUSTOM_VALIDATION_EXCEPTION, as an active validation
// rule that the record breaks does ("Validation Rules", Salesforce Help,
// https://help.salesforce.com/s/articleView?id=sf.fields_about_field_validation.htm;
// StatusCode FIELD_CUSTOM_VALIDATION_EXCEPTION, "Core Data Types Used in API
// Calls"). The error's message is the rule's error message and, as for a
// rule that shows its message at the top of the page, its fields are
// empty. Other records of the request are written. Update, a user's edit,
// is not subject to it, so a test can model the user who fixes the record.
// Called with no ids it turns the behaviour off; malformed ids are ignored.
func (s *Server) FailValidation(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalidIDs = nil
	for _, id := range ids {
		c, err := canonicalID(id)
		if err != nil {
			continue
		}
		if s.invalidIDs == nil {
			s.invalidIDs = map[string]bool{}
		}
		s.invalidIDs[c] = true
	}
}

// validationFailure is the error of the emulator's validation rule.
func validationFailure() apiError {
	return apiError{Code: "FIELD_CUSTOM_VALIDATION_EXCEPTION",
		Message: "Lifecycle fields cannot be changed while the account is under legal review. Contact Sales Operations."}
}

// validationRules fails each valid change to a FailValidation record.
func (s *Server) validationRules(cs []*change) {
	if len(s.invalidIDs) == 0 {
		return
	}
	for _, c := range cs {
		if len(c.errs) == 0 && s.invalidIDs[c.canon] {
			c.errs = append(c.errs, validationFailure())
		}
	}
}

// triggerLockFailure is what an after-save trigger whose own DML meets a
// locked row does to a save: the DmlException ends the transaction, so
// every record of the request fails with CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY
// and the trigger's message, which carries the inner UNABLE_TO_LOCK_ROW
// ("Triggers and Order of Execution", Apex Developer Guide; "Record Locking
// Cheat Sheet",
// https://developer.salesforce.com/docs/atlas.en-us.salesforce_record_locking_cheatsheet.meta/salesforce_record_locking_cheatsheet/;
// the message is the one orgs return, which the docs do not spell out).
func triggerLockFailure(object, id string) apiError {
	return apiError{Code: "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY",
		Message: object + "Trigger: execution of AfterUpdate\n\ncaused by: System.DmlException: Update failed. First exception on row 0 with id " +
			id + "; first error: UNABLE_TO_LOCK_ROW, unable to obtain exclusive access to this record or 1 records: " + id +
			": []\n\nTrigger." + object + "Trigger: line 42, column 1"}
}

// afterTriggers draws the TriggerLock fault for a request with at least
// one record left to save; when it fires, every such record fails and
// nothing is written.
func (s *Server) afterTriggers(cs []*change) {
	var first *change
	for _, c := range cs {
		if len(c.errs) == 0 {
			first = c
			break
		}
	}
	if first == nil || !s.faults.triggerLock() {
		return
	}
	msg := triggerLockFailure(first.t.obj.Name, first.t.id(first.row))
	for _, c := range cs {
		if len(c.errs) == 0 {
			c.errs = append(c.errs, msg)
		}
	}
}

// recordTypeAfter returns the record type c's record has once c is
// written: the one c sets (when valid), else the stored one, else the
// object's default for a new record; nil for an object without record
// types. A record whose RecordTypeId is empty has the master record type.
func (s *Server) recordTypeAfter(c *change) *RecordTypeSchema {
	t := c.t
	if t.fRecordType < 0 || len(t.obj.RecordTypes) == 0 {
		return nil
	}
	for name, v := range c.fields {
		if strings.EqualFold(name, "RecordTypeId") {
			if v == nil {
				return t.obj.defaultRecordType()
			}
			if id, ok := v.(string); ok {
				if rt, ok := t.obj.RecordType(id); ok && !rt.master {
					return rt
				}
			}
		}
	}
	if c.isNew {
		return t.obj.defaultRecordType()
	}
	if rt, ok := t.obj.RecordType(t.get(c.row, t.fRecordType).s); ok {
		return rt
	}
	return t.obj.master
}

// checkRecordType converts a RecordTypeId a write sets: an available record
// type of the object, stored as its 18-character ID; null gives the user's
// default record type (as a create without one does). Anything else,
// the master included when the object has other record types, is
// INVALID_CROSS_REFERENCE_KEY "Record Type ID: this ID value isn't valid
// for the user: X" (the message orgs return; the StatusCode list names the
// code).
func (s *Server) checkRecordType(o *ObjectSchema, v any) (cell, *apiError) {
	if v == nil {
		return cell{s: o.defaultRecordType().ID}, nil
	}
	id, _ := v.(string)
	if rt, ok := o.RecordType(id); ok && (!rt.master || len(o.RecordTypes) == 0) {
		return cell{s: rt.ID}, nil
	}
	_, text := jsonToken(v)
	return cell{}, &apiError{Code: "INVALID_CROSS_REFERENCE_KEY",
		Message: "Record Type ID: this ID value isn't valid for the user: " + text, Fields: []string{"RecordTypeId"}}
}
