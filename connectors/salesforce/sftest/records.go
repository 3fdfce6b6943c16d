package sftest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Records returns a copy of every live (not deleted) record of object,
// ordered by Id, with every field of the schema. An unknown object has
// none.
func (s *Server) Records(object string) []Record {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.table(object)
	if t == nil {
		return nil
	}
	out := make([]Record, 0, t.n)
	for row := 0; row < t.n; row++ {
		if !t.deleted(row) {
			out = append(out, t.record(row))
		}
	}
	return out
}

// Record returns a copy of the record of object with the 15- or
// 18-character id, deleted or not (IsDeleted tells).
func (s *Server) Record(object, id string) (Record, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.table(object)
	if t == nil {
		return nil, false
	}
	row, err := t.lookup(id)
	if err != nil || row < 0 {
		return nil, false
	}
	return t.record(row), true
}

func (s *Server) table(object string) *table {
	o, ok := s.schema.Object(object)
	if !ok {
		return nil
	}
	return s.tables[o.Name]
}

// Update edits a record as a Salesforce user would in the UI: the fields
// are validated as an API write validates them (unknown, read-only,
// wrong type, too long, bad restricted picklist value for the record's
// record type), but validation rules (FailValidation) and the duplicate
// rule, whose alert a user may save past, do not apply. SystemModstamp and
// LastModifiedDate move to now, and the write is logged with Source
// "user". It is not counted in Stats.
func (s *Server) Update(object, id string, fields map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.table(object)
	if t == nil {
		return fmt.Errorf("sftest: update %s %s: no such object", object, id)
	}
	if err := checkNames(t.obj, fields); err != nil {
		return fmt.Errorf("sftest: update %s %s: %w", object, id, err)
	}
	c := &change{object: t.obj.Name, id: id, fields: fields}
	cs := []*change{c}
	s.resolve(cs)
	s.check(cs, false)
	if written, _ := s.apply(cs, writeOptions{source: "user"}); written == 0 {
		return fmt.Errorf("sftest: update %s %s: %w", object, id, errorsOf(c.errs))
	}
	return nil
}

// Insert creates a record of object with fields, as a user would, and
// returns its 18-character ID. Without a RecordTypeId it gets the default
// record type. CreatedDate, LastModifiedDate and
// SystemModstamp are now; the write is logged with Source "user".
func (s *Server) Insert(object string, fields map[string]any) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.table(object)
	if t == nil {
		return "", fmt.Errorf("sftest: insert %s: no such object", object)
	}
	if err := checkNames(t.obj, fields); err != nil {
		return "", fmt.Errorf("sftest: insert %s: %w", object, err)
	}
	// Validate against a throwaway change before the row exists.
	probe := &change{t: t, fields: fields, isNew: true}
	s.check([]*change{probe}, false)
	if len(probe.errs) > 0 {
		return "", fmt.Errorf("sftest: insert %s: %w", object, errorsOf(probe.errs))
	}
	stamp := s.stamp()
	t.grow(1)
	row := t.appendRow(stamp.UnixMilli())
	probe.row = row
	if t.fRecordType >= 0 && len(t.obj.RecordTypes) > 0 && !slices.Contains(probe.cols, t.fRecordType) {
		// A record created without a record type gets the user's default.
		probe.cols = append(probe.cols, t.fRecordType)
		probe.cells = append(probe.cells, cell{s: t.obj.defaultRecordType().ID})
	}
	s.write(probe, stamp, "user")
	return t.id(row), nil
}

// Delete moves a record to the recycle bin, as a user would: it no longer
// matches query, and queryAll returns it with IsDeleted true
// ("QueryAll", REST API Developer Guide,
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_queryall.htm).
// A later write to it fails with ENTITY_IS_DELETED.
func (s *Server) Delete(object, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.table(object)
	if t == nil {
		return fmt.Errorf("sftest: delete %s %s: no such object", object, id)
	}
	row, err := t.lookup(id)
	switch {
	case err != nil:
		return fmt.Errorf("sftest: delete %s %s: malformed id", object, id)
	case row < 0:
		return fmt.Errorf("sftest: delete %s %s: no such record", object, id)
	case t.deleted(row):
		return fmt.Errorf("sftest: delete %s %s: already deleted", object, id)
	}
	stamp := s.stamp()
	t.set(row, t.fDeleted, cell{b: true})
	ms := cell{i: stamp.UnixMilli()}
	t.set(row, t.fModified, ms)
	t.set(row, t.fModstamp, ms)
	t.set(row, t.fModifiedBy, cell{s: HumanUserID})
	s.writes.add(Write{At: stamp, Object: t.obj.Name, ID: t.id(row), Fields: map[string]any{"IsDeleted": true}, Source: "user"})
	return nil
}

// checkNames reports the first unknown field of fields.
func checkNames(o *ObjectSchema, fields map[string]any) error {
	for name := range fields {
		if _, _, ok := o.Field(name); !ok {
			e := noSuchColumn(name, o.Name)
			return errors.New(e.Code + ": " + e.Message)
		}
	}
	return nil
}

// errorsOf joins save errors as "CODE: message; CODE: message".
func errorsOf(errs []apiError) error {
	parts := make([]string, len(errs))
	for i, e := range errs {
		parts[i] = e.Code + ": " + e.Message
	}
	return errors.New(strings.Join(parts, "; "))
}
