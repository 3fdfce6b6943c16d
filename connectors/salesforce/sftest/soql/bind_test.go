package soql

import (
	"slices"
	"testing"
)

func TestBindCanonicalNames(t *testing.T) {
	p := MustPlan(t, "select id, NAME, nps__c from ACCOUNT where customer_health__C = 'good' order by start_date__C limit 7")
	if p.Object != "Account" || !slices.Equal(p.Fields, []string{"Id", "Name", "NPS__c"}) || p.Count || p.Limit != 7 {
		t.Fatalf("plan = %+v", p)
	}
	if got := p.order[0].field; got != "Start_Date__c" {
		t.Fatalf("order field = %q, want Start_Date__c", got)
	}
}

func TestBindCount(t *testing.T) {
	p := MustPlan(t, "SELECT COUNT() FROM contact LIMIT 3")
	if !p.Count || len(p.Fields) != 0 || p.Object != "Contact" || p.Limit != 3 {
		t.Fatalf("plan = %+v", p)
	}
}

func TestBindErrors(t *testing.T) {
	const noColumn = "No such column '%s' on entity 'Account'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
	tests := []struct {
		name, q, code, detail string
		col                   int
	}{
		{"UnknownObject", "SELECT Id FROM Foo__c", CodeInvalidType,
			"sObject type 'Foo__c' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.", 16},
		{"UnknownSelectField", "SELECT Id, Foo FROM Account", CodeInvalidField, sprintf(noColumn, "Foo"), 12},
		{"UnknownWhereField", "SELECT Id FROM Account WHERE Bar__c = 1", CodeInvalidField, sprintf(noColumn, "Bar__c"), 30},
		{"UnknownOrderField", "SELECT Id FROM Account ORDER BY Baz", CodeInvalidField, sprintf(noColumn, "Baz"), 33},
		{"FieldOfOtherObject", "SELECT LastName FROM Account", CodeInvalidField, sprintf(noColumn, "LastName"), 8},
		{"DuplicateField", "SELECT Id, Name, id FROM Account", CodeMalformedQuery, "duplicate field selected: Id", 18},
		{"QuotedDate", "SELECT Id FROM Account WHERE Start_Date__c = '2024-03-01'", CodeInvalidField,
			"value of filter criterion for field 'Start_Date__c' must be of type date and should not be enclosed in quotes", 46},
		{"DateTimeOnDateField", "SELECT Id FROM Account WHERE Start_Date__c > 2024-03-01T00:00:00Z", CodeInvalidField,
			"value of filter criterion for field 'Start_Date__c' must be of type date and should not be enclosed in quotes", 46},
		{"DateOnDateTimeField", "SELECT Id FROM Account WHERE SystemModstamp > 2024-03-01", CodeInvalidField,
			"value of filter criterion for field 'SystemModstamp' must be of type dateTime and should not be enclosed in quotes", 47},
		{"QuotedNumber", "SELECT Id FROM Account WHERE NPS__c = '5'", CodeInvalidField,
			"value of filter criterion for field 'NPS__c' must be of type double and should not be enclosed in quotes", 39},
		{"QuotedBoolean", "SELECT Id FROM Account WHERE Paying_Customer__c = 'true'", CodeInvalidField,
			"value of filter criterion for field 'Paying_Customer__c' must be of type boolean and should not be enclosed in quotes", 51},
		{"NumberOnString", "SELECT Id FROM Account WHERE Name = 5", CodeInvalidField,
			"value of filter criterion for field 'Name' must be of type string and should be enclosed in quotes", 37},
		{"DateLiteralOnString", "SELECT Id FROM Account WHERE Name = TODAY", CodeInvalidField,
			"value of filter criterion for field 'Name' must be of type string and should be enclosed in quotes", 37},
		{"BooleanOnNumber", "SELECT Id FROM Account WHERE NPS__c = true", CodeInvalidField,
			"value of filter criterion for field 'NPS__c' must be of type double and should not be enclosed in quotes", 39},
		{"BadInListItem", "SELECT Id FROM Account WHERE Name IN ('a', 5)", CodeInvalidField,
			"value of filter criterion for field 'Name' must be of type string and should be enclosed in quotes", 44},
		{"NumberOnID", "SELECT Id FROM Account WHERE Id = 5", CodeInvalidField,
			"value of filter criterion for field 'Id' must be of type id and should be enclosed in quotes", 35},
		{"MalformedID", "SELECT Id FROM Account WHERE Id = 'abc'", CodeInvalidFilterOperator, "invalid ID field: abc", 35},
		{"ID16Chars", "SELECT Id FROM Account WHERE Id IN ('001Ab0000000001A')", CodeInvalidFilterOperator, "invalid ID field: 001Ab0000000001A", 37},
		{"LikeOnNumber", "SELECT Id FROM Account WHERE NPS__c LIKE '5%'", CodeInvalidFilterOperator, "invalid operator on double field: LIKE", 30},
		{"LikeOnID", "SELECT Id FROM Account WHERE Id LIKE '001%'", CodeInvalidFilterOperator, "invalid operator on id field: LIKE", 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := Parse(tt.q)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if _, err := q.Bind(schema, today); err == nil {
				t.Fatalf("Bind(%q) succeeded, want %s", tt.q, tt.code)
			}
			e := queryErr(t, tt.q)
			if e.Code != tt.code || e.Detail != tt.detail || e.Column != tt.col {
				t.Fatalf("got %s %q at column %d,\nwant %s %q at column %d", e.Code, e.Detail, e.Column, tt.code, tt.detail, tt.col)
			}
		})
	}
}
