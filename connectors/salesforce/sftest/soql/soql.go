// Package soql implements the subset of SOQL that the Salesforce emulator
// (package sftest) serves: SELECT with a field list or COUNT(), FROM one
// object, WHERE with AND/OR/NOT and parentheses, the comparison operators
// = != <> < <= > >= IN NOT IN LIKE, string, number, boolean, null, date and
// dateTime literals, the date literals TODAY, YESTERDAY, TOMORROW,
// LAST_90_DAYS, NEXT_90_DAYS, LAST_N_DAYS:n and NEXT_N_DAYS:n, ORDER BY and
// LIMIT.
//
// The package is pure: no I/O and no clock. A query is used in two steps:
// Parse checks the syntax, and Query.Bind resolves names against a Schema,
// checks literal types and fixes the date literals relative to a given day,
// producing a Plan that filters (Match) and sorts (Less) stored records.
//
// Anything outside the subset fails with an *Error whose Code is
// MALFORMED_QUERY; errors never panic.
package soql

import "fmt"

// Type is the type of a field as the query engine compares it.
type Type int

// Field types. Text, picklist and text-area fields are String; currency and
// percent fields are Number; checkbox fields are Boolean. ID compares like a
// string, except that a 15-character literal matches an 18-character id by
// its first 15 characters, case-sensitively (the three extra characters of an
// 18-character id only encode the case of the first 15).
const (
	String Type = iota
	Boolean
	Number
	Date
	DateTime
	ID
)

// String returns the name Salesforce uses for the type in query error
// messages ("value of filter criterion for field 'X' must be of type date").
func (t Type) String() string {
	switch t {
	case String:
		return "string"
	case Boolean:
		return "boolean"
	case Number:
		return "double"
	case Date:
		return "date"
	case DateTime:
		return "dateTime"
	case ID:
		return "id"
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// Schema resolves object and field names. Lookups are case-insensitive, and
// the canonical spelling (the API name as described) is returned.
type Schema interface {
	Object(name string) (canonical string, ok bool)
	Field(object, name string) (canonical string, t Type, ok bool)
}
