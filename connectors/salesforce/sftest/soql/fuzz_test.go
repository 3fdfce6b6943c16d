package soql

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse checks that no input makes Parse, Bind, Match or Less panic, and
// that every failure is an *Error with a known code and a row/column inside
// the query.
func FuzzParse(f *testing.F) {
	for _, q := range []string{
		"SELECT Id, Name FROM Account",
		"SELECT COUNT() FROM Account",
		"select id from account where name = 'a' limit 1",
		"SELECT Id FROM Account WHERE (Name = 'x' OR NPS__c >= -1.5) AND NOT Paying_Customer__c = false",
		"SELECT Id FROM Account WHERE Name IN ('a', 'b\\'c') AND Name NOT IN ('d') AND Name LIKE '%\\_x%'",
		"SELECT Id FROM Account WHERE Start_Date__c = LAST_N_DAYS:30 OR Start_Date__c > NEXT_N_DAYS:7 OR Start_Date__c < TODAY",
		"SELECT Id FROM Account WHERE SystemModstamp > 2024-03-01T12:00:00.000Z AND SystemModstamp < 2024-03-01T12:00:00+05:30",
		"SELECT Id FROM Account WHERE Start_Date__c = 2024-02-29 AND Renewal_Date__c != null",
		"SELECT Id FROM Account WHERE Id = '001Ab0000000001' ORDER BY Name DESC NULLS LAST, Id LIMIT 2000",
		"SELECT Id FROM Account WHERE Name = '\\u00e9\\n\\t'",
		"SELECT Id\nFROM Account\nWHERE Name = 'x'",
	} {
		f.Add(q)
	}
	recs := records()
	f.Fuzz(func(t *testing.T, q string) {
		parsed, err := Parse(q)
		if err == nil {
			var p *Plan
			if p, err = parsed.Bind(schema, today); err == nil {
				for i, r := range recs {
					p.Match(getter(r))
					p.Less(getter(r), getter(recs[(i+1)%len(recs)]))
				}
				return
			}
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error %T %v, want *Error", err, err)
		}
		switch e.Code {
		case CodeMalformedQuery, CodeInvalidField, CodeInvalidType, CodeInvalidFilterOperator:
		default:
			t.Fatalf("code %q", e.Code)
		}
		if rows := strings.Count(q, "\n") + 1; e.Row < 1 || e.Row > rows || e.Column < 1 {
			t.Fatalf("position %d:%d outside the query (%d rows)", e.Row, e.Column, rows)
		}
		if !strings.Contains(e.Message, "ERROR at Row:") {
			t.Fatalf("message %q lacks the position line", e.Message)
		}
	})
}
