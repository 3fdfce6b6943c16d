package soql

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// testSchema is an Account with one field of each type.
type testSchema map[string]map[string]Type

var schema = testSchema{
	"Account": {
		"Id":                    ID,
		"Name":                  String,
		"Customer_Health__c":    String,
		"Paying_Customer__c":    Boolean,
		"NPS__c":                Number,
		"Start_Date__c":         Date,
		"Renewal_Date__c":       Date,
		"SystemModstamp":        DateTime,
		"Lifecycle_Tags__c":     String,
		"Account_Lifecycle__c":  String,
		"Licensed_Seats__c":     Number,
		"Last_Activity_Date__c": Date,
	},
	"Contact": {"Id": ID, "LastName": String},
}

func (s testSchema) Object(name string) (string, bool) {
	for k := range s {
		if strings.EqualFold(k, name) {
			return k, true
		}
	}
	return "", false
}

func (s testSchema) Field(object, name string) (string, Type, bool) {
	for k, t := range s[object] {
		if strings.EqualFold(k, name) {
			return k, t, true
		}
	}
	return "", 0, false
}

// today is 2024-03-15 in UTC, given in a zone where it is already the 16th,
// so that binding must take the UTC date.
var today = time.Date(2024, 3, 15, 23, 30, 0, 0, time.UTC).In(time.FixedZone("UTC+2", 2*3600))

// MustPlan parses and binds q against schema.
func MustPlan(tb testing.TB, q string) *Plan {
	tb.Helper()
	parsed, err := Parse(q)
	if err != nil {
		tb.Fatalf("Parse(%q): %v", q, err)
	}
	p, err := parsed.Bind(schema, today)
	if err != nil {
		tb.Fatalf("Bind(%q): %v", q, err)
	}
	return p
}

// queryErr returns the *Error from parsing and binding q, or nil.
func queryErr(tb testing.TB, q string) *Error {
	tb.Helper()
	parsed, err := Parse(q)
	if err == nil {
		_, err = parsed.Bind(schema, today)
	}
	if err == nil {
		return nil
	}
	var e *Error
	if !errors.As(err, &e) {
		tb.Fatalf("%q: error %T %v, want *Error", q, err, err)
	}
	return e
}

type record map[string]any

func getter(r record) func(string) any { return func(f string) any { return r[f] } }

// run executes q over recs as the emulator does: filter, sort (ties by Id),
// limit; it returns the Ids.
func run(tb testing.TB, q string, recs []record) []string {
	tb.Helper()
	p := MustPlan(tb, q)
	var out []record
	for _, r := range recs {
		if p.Match(getter(r)) {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b record) int {
		switch {
		case p.Less(getter(a), getter(b)):
			return -1
		case p.Less(getter(b), getter(a)):
			return 1
		}
		return strings.Compare(a["Id"].(string), b["Id"].(string))
	})
	if p.Limit >= 0 && len(out) > p.Limit {
		out = out[:p.Limit]
	}
	ids := []string{}
	for _, r := range out {
		ids = append(ids, r["Id"].(string))
	}
	return ids
}
