package mapping

import "fmt"

// FieldType is the type of a mapped Salesforce field as rules see it.
type FieldType int

// The field types. Salesforce text, picklist, id and other textual fields
// are TypeString; number, currency, percent and double are TypeNumber
// (float64 in rules); checkbox is TypeBool; date is TypeDate. A dateTime
// field is TypeDateTime: rules see it as a date, the calendar day of the
// instant in Definition.Location.
const (
	TypeString FieldType = iota
	TypeNumber
	TypeBool
	TypeDate
	TypeDateTime
)

// String returns the type's name as the config spells it: string, number,
// bool, date or datetime.
func (t FieldType) String() string {
	switch t {
	case TypeString:
		return "string"
	case TypeNumber:
		return "number"
	case TypeBool:
		return "bool"
	case TypeDate:
		return "date"
	case TypeDateTime:
		return "datetime"
	}
	return fmt.Sprintf("FieldType(%d)", int(t))
}

// ParseFieldType parses a type name as String returns it.
func ParseFieldType(s string) (FieldType, error) {
	switch s {
	case "string":
		return TypeString, nil
	case "number":
		return TypeNumber, nil
	case "bool":
		return TypeBool, nil
	case "date":
		return TypeDate, nil
	case "datetime":
		return TypeDateTime, nil
	}
	return 0, fmt.Errorf("unknown field type %q (want date, datetime, number, bool or string)", s)
}

// Field maps a name used in rules to a Salesforce field API name.
type Field struct {
	Name    string    // name in rules, e.g. "start_date"
	APIName string    // Salesforce API name, e.g. "Start_Date__c"
	Type    FieldType // how values are read and typed in rules
}
