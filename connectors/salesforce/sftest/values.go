package sftest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Values are stored in compact typed form, one column per field. Nulls are
// sentinels: "" for text (Salesforce stores an empty text value as null),
// NaN for numbers, nullDay and nullMillis for dates and dateTimes. A
// checkbox is never null.
const (
	nullDay    = math.MinInt32
	nullMillis = math.MinInt64
)

// Salesforce's JSON formats for dates and dateTimes (REST API Developer
// Guide, "Valid Date and DateTime Formats",
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_valid_date_formats.htm,
// and the record examples of "Get Field Values from a Standard Object
// Record": "CreatedDate" : "2013-05-20T20:49:32.000+0000").
const (
	dateLayout     = "2006-01-02"
	dateTimeLayout = "2006-01-02T15:04:05.000-0700"
)

// cell is one value on its way into a column.
type cell struct {
	s string
	f float64 // number
	i int64   // date (days since 1970-01-01) or dateTime (Unix milliseconds)
	b bool
}

func nullCell(k kind) cell {
	switch k {
	case kNumber:
		return cell{f: math.NaN()}
	case kDate:
		return cell{i: nullDay}
	case kDateTime:
		return cell{i: nullMillis}
	}
	return cell{}
}

func (c cell) equal(o cell, k kind) bool {
	switch k {
	case kNumber:
		return c.f == o.f || (math.IsNaN(c.f) && math.IsNaN(o.f))
	case kBool:
		return c.b == o.b
	case kDate, kDateTime:
		return c.i == o.i
	}
	return c.s == o.s
}

func dayOf(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func dayTime(n int64) time.Time { return time.Unix(n*86400, 0).UTC() }

func formatDay(n int64) string { return dayTime(n).Format(dateLayout) }

func formatMillis(ms int64) string { return time.UnixMilli(ms).UTC().Format(dateTimeLayout) }

// parseDate accepts "2006-01-02" and, as Salesforce does for a date field,
// a full dateTime whose date part it keeps.
func parseDate(s string) (int64, bool) {
	if t, err := time.Parse(dateLayout, s); err == nil {
		return dayOf(t), true
	}
	if t, ok := parseDateTime(s); ok {
		return dayOf(t), true
	}
	return 0, false
}

// parseDateTime accepts Salesforce's format and RFC 3339.
func parseDateTime(s string) (time.Time, bool) {
	for _, layout := range []string{dateTimeLayout, "2006-01-02T15:04:05-0700", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// typeError is a value whose JSON type the field cannot take. Salesforce's
// REST API rejects the whole request with 400 JSON_PARSER_ERROR and the
// deserializer's message ("Cannot deserialize instance of date from
// VALUE_STRING value 2024-13-45 or request may be missing a required field";
// REST API Developer Guide, Status Codes and Error Responses, 400: "the JSON
// or XML body contains an error",
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm).
type typeError struct {
	javaType, token, value string
}

func (e *typeError) message(column int) string {
	msg := "Cannot deserialize instance of " + e.javaType + " from " + e.token
	if e.value != "" {
		msg += " value " + e.value
	}
	return fmt.Sprintf("%s or request may be missing a required field at [line:1, column:%d]", msg, column)
}

func jsonToken(v any) (token, text string) {
	switch v := v.(type) {
	case string:
		return "VALUE_STRING", v
	case float64:
		if v == math.Trunc(v) {
			return "VALUE_NUMBER_INT", strconv.FormatFloat(v, 'f', -1, 64)
		}
		return "VALUE_NUMBER_FLOAT", strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		if v {
			return "VALUE_TRUE", "true"
		}
		return "VALUE_FALSE", "false"
	case map[string]any:
		return "START_OBJECT", ""
	case []any:
		return "START_ARRAY", ""
	}
	return "VALUE_EMBEDDED_OBJECT", ""
}

var javaTypes = map[kind]string{kString: "string", kID: "id", kNumber: "double", kBool: "boolean", kDate: "date", kDateTime: "datetime"}

// convert turns a decoded JSON value (or a Go value a test passes: int,
// time.Time) into a cell for field f, or reports a type error.
func convert(f *FieldSchema, v any) (cell, *typeError) {
	if v == nil {
		if f.kind == kBool {
			return cell{}, nil // a checkbox set to null is false
		}
		return nullCell(f.kind), nil
	}
	switch x := v.(type) {
	case int:
		v = float64(x)
	case int64:
		v = float64(x)
	case time.Time:
		switch f.kind {
		case kDate:
			return cell{i: dayOf(x.UTC())}, nil
		case kDateTime:
			return cell{i: x.UnixMilli()}, nil
		}
		v = x.UTC().Format(dateTimeLayout)
	}
	bad := func() (cell, *typeError) {
		tok, text := jsonToken(v)
		return cell{}, &typeError{javaType: javaTypes[f.kind], token: tok, value: text}
	}
	switch f.kind {
	case kString, kID:
		switch x := v.(type) {
		case string:
			return cell{s: x}, nil
		case float64, bool:
			_, text := jsonToken(x) // scalars are coerced to text, as Salesforce does
			return cell{s: text}, nil
		}
	case kNumber:
		switch x := v.(type) {
		case float64:
			return cell{f: x}, nil
		case string:
			if x == "" {
				return nullCell(kNumber), nil
			}
			if n, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil && !math.IsInf(n, 0) && !math.IsNaN(n) {
				return cell{f: n}, nil
			}
		}
	case kBool:
		switch x := v.(type) {
		case bool:
			return cell{b: x}, nil
		case string:
			switch strings.ToLower(x) {
			case "true":
				return cell{b: true}, nil
			case "false", "":
				return cell{b: false}, nil
			}
		}
	case kDate:
		if x, ok := v.(string); ok {
			if x == "" {
				return nullCell(kDate), nil
			}
			if n, ok := parseDate(x); ok {
				return cell{i: n}, nil
			}
		}
	case kDateTime:
		if x, ok := v.(string); ok {
			if x == "" {
				return nullCell(kDateTime), nil
			}
			if t, ok := parseDateTime(x); ok {
				return cell{i: t.UnixMilli()}, nil
			}
		}
	}
	return bad()
}

// apiError is one error item of a REST response: the errorCode (statusCode
// in SaveResult errors), message and the fields concerned.
type apiError struct {
	Code      string
	Message   string
	Fields    []string
	Duplicate *duplicateResult // DUPLICATES_DETECTED only
}

// validate checks a converted value against the field's constraints, in the
// order Salesforce reports them, and returns the value to store (picklist
// values interned to the schema's spelling). rt is the record type the
// record has after the write (nil: none); a restricted picklist accepts
// only the values it allows.
func validate(f *FieldSchema, c cell, rt *RecordTypeSchema) (cell, *apiError) {
	if f.kind != kString {
		return c, nil
	}
	if f.Length > 0 && utf8.RuneCountInString(c.s) > f.Length {
		// STRING_TOO_LONG: "<label>: data value too large: <value> (max
		// length=<n>)" (API StatusCode list, SOAP API Developer Guide, Core
		// Data Types, StatusCode,
		// https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm).
		shown := c.s
		if len(shown) > 80 {
			shown = shown[:80] + "..."
		}
		return c, &apiError{Code: "STRING_TOO_LONG",
			Message: fmt.Sprintf("%s: data value too large: %s (max length=%d)", f.Label, shown, f.Length),
			Fields:  []string{f.Name}}
	}
	if f.Type == "picklist" && c.s != "" {
		for _, pv := range f.PicklistValues {
			if pv.Value == c.s && (!f.RestrictedPicklist || rt.allows(f, pv.Value)) {
				return cell{s: pv.Value}, nil
			}
		}
		if f.RestrictedPicklist {
			// INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST, "bad value for
			// restricted picklist field: <value>", also for a value of the
			// field that the record's record type does not allow (same
			// StatusCode list; Salesforce Help, "Restricted Picklists",
			// https://help.salesforce.com/s/articleView?id=sf.fields_restricted_picklists_overview.htm,
			// and article 000250168,
			// https://help.salesforce.com/articleView?id=000250168&type=1;
			// the record type cause as clients meet it:
			// https://github.com/MinnPost/object-sync-for-salesforce/issues/128).
			// A label is not a value: writing "Healthy" for the value
			// "Good" fails too.
			return c, &apiError{Code: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
				Message: "bad value for restricted picklist field: " + c.s,
				Fields:  []string{f.Name}}
		}
	}
	return c, nil
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendNumber appends a number as JSON.
func appendNumber(b []byte, f float64) []byte {
	if math.Abs(f) >= 1e21 || (f != 0 && math.Abs(f) < 1e-6) {
		return strconv.AppendFloat(b, f, 'g', -1, 64)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}
