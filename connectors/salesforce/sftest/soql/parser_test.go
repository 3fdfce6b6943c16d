package soql

import (
	"slices"
	"testing"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		name   string
		q      string
		object string
		fields []string
		count  bool
		limit  int
	}{
		{"FieldList", "SELECT Id, Name FROM Account", "Account", []string{"Id", "Name"}, false, -1},
		{"LowerCaseKeywords", "select id,name from account limit 5", "account", []string{"id", "name"}, false, 5},
		{"Count", "SELECT COUNT() FROM Account WHERE NPS__c > 5", "Account", nil, true, -1},
		{"CountSpaced", "SELECT count ( ) FROM Account", "Account", nil, true, -1},
		{"Newlines", "SELECT Id\nFROM Account\nWHERE Name = 'x'\nORDER BY Name\nLIMIT 0", "Account", []string{"Id"}, false, 0},
		{"AllOperators", "SELECT Id FROM Account WHERE (NPS__c = 1 OR NPS__c != 2 OR NPS__c <> 3 OR NPS__c < 4 OR NPS__c <= 5 OR NPS__c > 6 OR NPS__c >= -7.5)", "Account", []string{"Id"}, false, -1},
		{"InNotInLike", "SELECT Id FROM Account WHERE Name IN ('a','b') AND Name NOT IN ('c') AND Name LIKE 'a\\%_%'", "Account", []string{"Id"}, false, -1},
		{"NotAndParens", "SELECT Id FROM Account WHERE NOT (Name = 'a' OR Name = 'b') AND (NOT NPS__c = 1)", "Account", []string{"Id"}, false, -1},
		{"Literals", "SELECT Id FROM Account WHERE Paying_Customer__c = TRUE AND Name != null AND Start_Date__c = 2024-03-01 AND SystemModstamp > 2024-03-01T12:00:00Z AND SystemModstamp < 2024-03-01T12:00:00.000Z AND SystemModstamp < 2024-03-01T12:00:00+01:00 AND SystemModstamp < 2024-03-01T12:00:00-08:00", "Account", []string{"Id"}, false, -1},
		{"DateLiterals", "SELECT Id FROM Account WHERE Start_Date__c = TODAY OR Start_Date__c = yesterday OR Start_Date__c = TOMORROW OR Start_Date__c = LAST_N_DAYS:30 OR Start_Date__c = NEXT_N_DAYS:7 OR Start_Date__c = LAST_90_DAYS OR Start_Date__c = NEXT_90_DAYS", "Account", []string{"Id"}, false, -1},
		{"OrderBy", "SELECT Id FROM Account ORDER BY Name DESC NULLS LAST, NPS__c ASC NULLS FIRST, Id LIMIT 10", "Account", []string{"Id"}, false, 10},
		{"Escapes", `SELECT Id FROM Account WHERE Name = 'Bob\'s \\ BBQ\n\t\u00e9\"'`, "Account", []string{"Id"}, false, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := Parse(tt.q)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if q.Object != tt.object || q.Count != tt.count || q.Limit != tt.limit || !slices.Equal(q.Fields, tt.fields) {
				t.Fatalf("got object %q fields %q count %v limit %d, want %q %q %v %d",
					q.Object, q.Fields, q.Count, q.Limit, tt.object, tt.fields, tt.count, tt.limit)
			}
		})
	}
}

func TestParseStringEscapes(t *testing.T) {
	q, err := Parse(`SELECT Id FROM Account WHERE Name = 'Bob\'s \\ BBQ\n\T\u00e9\"'`)
	if err != nil {
		t.Fatal(err)
	}
	got := q.where.(*cmpNode).vals[0].str
	if want := "Bob's \\ BBQ\n\té\""; got != want {
		t.Fatalf("decoded %q, want %q", got, want)
	}
}

func TestParseMalformed(t *testing.T) {
	tests := []struct {
		name, q, detail string
		col             int
	}{
		{"Empty", "", "unexpected token: <EOF>", 1},
		{"NoSelect", "FROM Account", "unexpected token: 'FROM'", 1},
		{"NoFields", "SELECT FROM Account", "unexpected token: 'FROM'", 8},
		{"NoFrom", "SELECT Id Account", "unexpected token: 'Account'", 11},
		{"NoObject", "SELECT Id FROM", "unexpected token: <EOF>", 15},
		{"TrailingComma", "SELECT Id, FROM Account", "unexpected token: 'FROM'", 12},
		{"Relationship", "SELECT Owner.Name FROM Account", "unexpected token: '.'", 13},
		{"Aggregate", "SELECT COUNT(Id) FROM Account", "unexpected token: 'Id'", 14},
		{"GroupBy", "SELECT Id FROM Account GROUP BY Name", "unexpected token: 'GROUP'", 24},
		{"Offset", "SELECT Id FROM Account LIMIT 5 OFFSET 5", "unexpected token: 'OFFSET'", 32},
		{"Semicolon", "SELECT Id FROM Account;", "unexpected token: ';'", 23},
		{"MixedAndOr", "SELECT Id FROM Account WHERE Name = 'a' AND NPS__c = 1 OR NPS__c = 2", "unexpected token: 'OR'", 56},
		{"DoubleQuotes", `SELECT Id FROM Account WHERE Name = "a"`, `unexpected token: '"'`, 37},
		{"UnterminatedString", "SELECT Id FROM Account WHERE Name = 'abc", "unexpected token: ''abc'", 37},
		{"BadEscape", `SELECT Id FROM Account WHERE Name = 'a\qb'`, `Invalid string literal 'a\qb'. Illegal character sequence '\q' in string literal.`, 37},
		{"LikeEscapeOutsideLike", `SELECT Id FROM Account WHERE Name = 'a\%'`, `Invalid string literal 'a\%'. Illegal character sequence '\%' in string literal.`, 37},
		{"BadUnicodeEscape", `SELECT Id FROM Account WHERE Name = '\u00zz'`, `Invalid string literal '\u00zz'. Illegal character sequence '\u00zz' in string literal.`, 37},
		{"MissingValue", "SELECT Id FROM Account WHERE Name =", "unexpected token: <EOF>", 36},
		{"MissingOperator", "SELECT Id FROM Account WHERE Name 'a'", "unexpected token: ''a''", 35},
		{"BangAlone", "SELECT Id FROM Account WHERE Name ! 'a'", "unexpected token: '!'", 35},
		{"EmptyIn", "SELECT Id FROM Account WHERE Name IN ()", "unexpected token: ')'", 39},
		{"InWithoutParens", "SELECT Id FROM Account WHERE Name IN 'a'", "unexpected token: ''a''", 38},
		{"SemiJoin", "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)", "unexpected token: 'SELECT'", 37},
		{"LikeNumber", "SELECT Id FROM Account WHERE Name LIKE 5", "unexpected token: '5'", 40},
		{"NotLike", "SELECT Id FROM Account WHERE Name NOT LIKE 'a'", "unexpected token: 'NOT'", 35},
		{"UnclosedParen", "SELECT Id FROM Account WHERE (Name = 'a'", "unexpected token: <EOF>", 41},
		{"ExtraParen", "SELECT Id FROM Account WHERE Name = 'a')", "unexpected token: ')'", 40},
		{"BadDate", "SELECT Id FROM Account WHERE Start_Date__c = 2024-02-30", "unexpected token: '2024-02-30'", 46},
		{"BadDateTime", "SELECT Id FROM Account WHERE SystemModstamp = 2024-03-01T25:00:00Z", "unexpected token: '2024-03-01T25:00:00Z'", 47},
		{"DateTimeNoZone", "SELECT Id FROM Account WHERE SystemModstamp = 2024-03-01T12:00:00", "unexpected token: 'T12'", 57},
		{"UnknownDateLiteral", "SELECT Id FROM Account WHERE Start_Date__c = THIS_FISCAL_QUARTER", "unexpected token: 'THIS_FISCAL_QUARTER'", 46},
		{"LastNDaysNoN", "SELECT Id FROM Account WHERE Start_Date__c = LAST_N_DAYS", "unexpected token: <EOF>", 57},
		{"LastNDaysNegative", "SELECT Id FROM Account WHERE Start_Date__c = LAST_N_DAYS:-3", "unexpected token: '-3'", 58},
		{"LastNDaysFraction", "SELECT Id FROM Account WHERE Start_Date__c = LAST_N_DAYS:1.5", "unexpected token: '1.5'", 58},
		{"NameAsValue", "SELECT Id FROM Account WHERE Name = Other", "unexpected token: 'Other'", 37},
		{"LimitNegative", "SELECT Id FROM Account LIMIT -1", "unexpected token: '-1'", 30},
		{"LimitFraction", "SELECT Id FROM Account LIMIT 1.5", "unexpected token: '1.5'", 30},
		{"LimitHuge", "SELECT Id FROM Account LIMIT 99999999999999999999", "unexpected token: '99999999999999999999'", 30},
		{"OrderByNoBy", "SELECT Id FROM Account ORDER Name", "unexpected token: 'Name'", 30},
		{"NullsWhat", "SELECT Id FROM Account ORDER BY Name NULLS MIDDLE", "unexpected token: 'MIDDLE'", 44},
		{"LimitBeforeWhere", "SELECT Id FROM Account LIMIT 1 WHERE Name = 'a'", "unexpected token: 'WHERE'", 32},
		{"ReservedField", "SELECT Id, Limit FROM Account", "unexpected token: 'Limit'", 12},
		{"NonASCII", "SELECT Id FROM Accöunt", "unexpected token: 'ö'", 19},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.q)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded, want MALFORMED_QUERY", tt.q)
			}
			e := queryErr(t, tt.q)
			if e.Code != CodeMalformedQuery || e.Detail != tt.detail || e.Row != 1 || e.Column != tt.col {
				t.Fatalf("got %s %q at %d:%d, want MALFORMED_QUERY %q at 1:%d", e.Code, e.Detail, e.Row, e.Column, tt.detail, tt.col)
			}
		})
	}
}

func TestErrorMessageFormat(t *testing.T) {
	t.Run("WholeShortLine", func(t *testing.T) {
		e := queryErr(t, "SELECT Id, Chiffre_d_affaire__c FROM Account")
		want := "\nSELECT Id, Chiffre_d_affaire__c FROM Account\n           ^\nERROR at Row:1:Column:12\n" +
			"No such column 'Chiffre_d_affaire__c' on entity 'Account'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
		if e.Code != CodeInvalidField || e.Message != want {
			t.Fatalf("got %s %q, want INVALID_FIELD %q", e.Code, e.Message, want)
		}
		if got := e.Error(); got != "INVALID_FIELD: "+want {
			t.Fatalf("Error() = %q", got)
		}
	})
	t.Run("SecondRow", func(t *testing.T) {
		e := queryErr(t, "SELECT Id\nFROM Acount")
		want := "\nFROM Acount\n     ^\nERROR at Row:2:Column:6\nsObject type 'Acount' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."
		if e.Code != CodeInvalidType || e.Message != want {
			t.Fatalf("got %s %q, want INVALID_TYPE %q", e.Code, e.Message, want)
		}
	})
	t.Run("WindowOfLongLine", func(t *testing.T) {
		q := "SELECT Id, Name, NPS__c, Start_Date__c, Renewal_Date__c, Customer_Health__c, Bad__c, Licensed_Seats__c, Lifecycle_Tags__c, Paying_Customer__c FROM Account"
		e := queryErr(t, q)
		// The window starts and ends on token boundaries, and the caret
		// sits under Bad__c.
		want := "\nStart_Date__c, Renewal_Date__c, Customer_Health__c, Bad__c, Licensed_Seats__c, Lifecycle_Tags__c\n" +
			"                                                    ^\nERROR at Row:1:Column:78\nNo such column 'Bad__c'"
		if len(e.Message) < len(want) || e.Message[:len(want)] != want {
			t.Fatalf("message %q, want prefix %q", e.Message, want)
		}
	})
}
