package mapping

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Record is a Salesforce record as encoding/json decodes the REST API's JSON:
// field API name -> value; text, picklist and id fields are strings, number,
// currency and percent fields float64, checkboxes bool, dates "2024-03-01"
// strings, dateTimes "2024-03-01T12:00:00.000+0000" strings, and empty
// fields nil. See "Working with Records" in the REST API
// Developer Guide
// (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/using_resources_working_with_records.htm).
type Record = map[string]any

// Account is one account's typed inputs, as Decode reads them, and the
// current values of its tags and status fields.
type Account struct {
	ID     string
	Tags   *string // the tags field's current value; nil when empty
	Status *string // the status field's current value; nil when empty
	vals   []value // one per Definition.Fields, in order
}

// DecodeError is a record value that does not fit its field's type.
type DecodeError struct {
	Field string // the field's API name, e.g. "Start_Date__c"
	Name  string // the name rules use, e.g. "start_date"; "" for Id and the output fields
	Err   error
}

func (e *DecodeError) Error() string {
	if e.Name == "" {
		return fmt.Sprintf("field %s: %v", e.Field, e.Err)
	}
	return fmt.Sprintf("field %s (%s): %v", e.Field, e.Name, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Decode reads a record's Id, mapped fields, tags field and status field. A
// missing field reads as empty (nil). A value of the wrong JSON type for its
// field's type, or a date that is not YYYY-MM-DD, is a *DecodeError naming the
// field and the cause. Dates are parsed as calendar dates and never pass
// through a zoned timestamp; a dateTime field (TypeDateTime) becomes the
// calendar date of its instant in Definition.Location.
func (p *Pack) Decode(rec Record) (Account, error) {
	var a Account
	id, err := optString(lookup(rec, "Id"))
	if err != nil {
		return a, &DecodeError{Field: "Id", Err: err}
	}
	if id != nil {
		a.ID = *id
	}
	if a.Tags, err = optString(lookup(rec, p.def.TagsField)); err != nil {
		return a, &DecodeError{Field: p.def.TagsField, Err: err}
	}
	if a.Status, err = optString(lookup(rec, p.def.StatusField)); err != nil {
		return a, &DecodeError{Field: p.def.StatusField, Err: err}
	}
	a.vals = make([]value, len(p.def.Fields))
	for i, f := range p.def.Fields {
		v, err := decodeValue(lookup(rec, f.APIName), f.Type, p.def.Location)
		if err != nil {
			return Account{}, &DecodeError{Field: f.APIName, Name: f.Name, Err: err}
		}
		a.vals[i] = v
	}
	return a, nil
}

// lookup returns rec[key], matching the key without regard to case when no
// key matches exactly: Salesforce API names are case-insensitive.
func lookup(rec Record, key string) any {
	if v, ok := rec[key]; ok {
		return v
	}
	for k, v := range rec {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

// optString reads a text value: nil and "" are empty (Salesforce stores no
// empty strings).
func optString(v any) (*string, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		if x == "" {
			return nil, nil
		}
		return &x, nil
	}
	return nil, fmt.Errorf("want a string, got %s", describe(v))
}

func decodeValue(v any, t FieldType, loc *time.Location) (value, error) {
	if v == nil {
		return nilValue, nil
	}
	switch t {
	case TypeDateTime:
		return decodeDateTime(v, loc)
	case TypeDate:
		s, ok := v.(string)
		if !ok {
			return nilValue, fmt.Errorf("want a date string like \"2024-03-01\", got %s", describe(v))
		}
		if s == "" {
			return nilValue, nil
		}
		d, err := ParseDate(s)
		if err != nil {
			if len(s) > 10 && s[10] == 'T' {
				return nilValue, fmt.Errorf("want a date like \"2024-03-01\", got the date-time %q (map it as :datetime: its day is then taken in sync.timezone)", s)
			}
			return nilValue, err
		}
		return dateValue(d), nil
	case TypeNumber:
		switch x := v.(type) {
		case float64:
			return numValue(x), nil
		case int:
			return numValue(float64(x)), nil
		case int64:
			return numValue(float64(x)), nil
		case json.Number:
			f, err := x.Float64()
			if err != nil {
				return nilValue, fmt.Errorf("want a number, got %s", describe(v))
			}
			return numValue(f), nil
		}
		return nilValue, fmt.Errorf("want a number, got %s", describe(v))
	case TypeBool:
		b, ok := v.(bool)
		if !ok {
			return nilValue, fmt.Errorf("want a checkbox value true or false, got %s", describe(v))
		}
		return boolValue(b), nil
	}
	s, ok := v.(string)
	if !ok {
		return nilValue, fmt.Errorf("want a string, got %s", describe(v))
	}
	if s == "" {
		return nilValue, nil
	}
	return strValue(s), nil
}

// describe names a JSON value's type, with the value when it is short.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 40 {
			x = x[:40] + "..."
		}
		return fmt.Sprintf("the string %q", x)
	case float64:
		return fmt.Sprintf("the number %v", x)
	case bool:
		return fmt.Sprintf("the boolean %v", x)
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("a %T", v)
}
