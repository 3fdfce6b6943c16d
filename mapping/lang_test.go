package mapping

import (
	"strings"
	"testing"
	"time"
)

// testFields are the inputs of the expression tests.
var testFields = []Field{
	{Name: "n", APIName: "N__c", Type: TypeNumber},
	{Name: "m", APIName: "M__c", Type: TypeNumber},
	{Name: "s", APIName: "S__c", Type: TypeString},
	{Name: "d", APIName: "D__c", Type: TypeDate},
	{Name: "b", APIName: "B__c", Type: TypeBool},
}

func mustPack(tb testing.TB, def Definition) *Pack {
	tb.Helper()
	if def.Fields == nil {
		def.Fields = testFields
	}
	if def.TagsField == "" {
		def.TagsField, def.StatusField, def.Separator = "Tags__c", "Status__c", ";"
	}
	p, err := Compile(def)
	if err != nil {
		tb.Fatalf("compile: %v", err)
	}
	return p
}

func mustDecode(tb testing.TB, p *Pack, rec Record) Account {
	tb.Helper()
	a, err := p.Decode(rec)
	if err != nil {
		tb.Fatalf("decode %v: %v", rec, err)
	}
	return a
}

// derive evaluates expr as a derived value on rec, as of 2024-03-01.
func derive(tb testing.TB, expr string, rec Record) any {
	tb.Helper()
	p := mustPack(tb, Definition{Derived: []Rule{{Name: "x", Expr: expr}}})
	ex := p.Explain(mustDecode(tb, p, rec), NewDate(2024, time.March, 1))
	return ex.Derived[0].Value
}

func TestExpressions(t *testing.T) {
	full := Record{"N__c": 2.0, "M__c": 0.0, "S__c": "Average", "D__c": "2024-02-20", "B__c": true}
	empty := Record{}
	tests := []struct {
		name, expr string
		rec        Record
		want       any
	}{
		{"LessThanNilIsFalse", "n < 1", empty, false},
		{"GreaterEqualNilIsFalse", "n >= 0", empty, false},
		{"NumberComparison", "n > 1.5", full, true},
		{"NilEqualsNil", "n == nil", empty, true},
		{"ValueIsNotNil", "n != nil", full, true},
		{"NilIsNotAString", `s != "Poor"`, empty, true},
		{"NilEqualsNoString", `s == "Poor"`, empty, false},
		{"DateBeforeTodayNil", "d < today", empty, false},
		{"DateBeforeToday", "d < today", full, true},
		{"DateAgainstDate", `d < date("2024-02-21")`, full, true},
		{"NilArithmetic", "n + 1", empty, nil},
		{"DivisionByZeroIsNil", "n / m", full, nil},
		{"Division", "n / 4", full, 0.5},
		{"Modulo", "7 % n", full, 1.0},
		{"DaysSinceNil", "days_since(d)", empty, nil},
		{"DaysSince", "days_since(d)", full, 10.0},
		{"DaysUntil", "days_until(d)", full, -10.0},
		{"DaysUntilNil", "days_until(d)", empty, nil},
		{"NextAnniversary", "next_anniversary(d)", full, NewDate(2025, time.February, 20)},
		{"NextAnniversaryNil", "next_anniversary(d)", empty, nil},
		{"DatePlusDays", "d + 30", full, NewDate(2024, time.March, 21)},
		{"DateMinusDate", "today - d", full, 10.0},
		{"NotNilIsTrue", "!b", empty, true},
		{"NotTrue", "not b", full, false},
		{"AndNilIsFalse", "b && true", empty, false},
		{"OrNil", "b || n == nil", empty, true},
		{"Coalesce", "n ?? 5", empty, 5.0},
		{"CoalesceSet", "n ?? 5", full, 2.0},
		{"TernaryNilCondition", "b ? 1 : 2", empty, 2.0},
		{"IfElse", "if b { 1 } else { 2 }", full, 1.0},
		{"In", `s in ["Good", "Average"]`, full, true},
		{"NotIn", `s not in ["Good", "Average"]`, full, false},
		{"InNil", `s in ["Good", "Average"]`, empty, false},
		{"MatchesNil", `s matches "^A"`, empty, false},
		{"Matches", `s matches "^Av"`, full, true},
		{"StartsWith", `s startsWith "Av"`, full, true},
		{"ContainsNil", `s contains "v"`, empty, false},
		{"LowerNil", "lower(s)", empty, nil},
		{"Upper", "upper(s)", full, "AVERAGE"},
		{"Len", "len(s)", full, 7.0},
		{"MaxNil", "max(n, 3)", empty, nil},
		{"Max", "max(n, 3)", full, 3.0},
		{"Min", "min(n, 3, 1)", full, 1.0},
		{"Round", "round(n / 3 * 10)", full, 7.0},
		{"AbsNil", "abs(n)", empty, nil},
		{"Negate", "-n", full, -2.0},
		{"NegateNil", "-n", empty, nil},
		{"StringConcat", `s + "!"`, full, "Average!"},
		{"ConstantFolded", "1 + 2 * 3", empty, 7.0},
		{"Today", "today", empty, NewDate(2024, time.March, 1)},
		{"MixedKindsAreNeverEqual", `(b ? 1 : "x") == "x"`, full, false},
		{"FalseBoolIsNotNil", "b == false", Record{"B__c": false}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := derive(t, tt.expr, tt.rec); got != tt.want {
				t.Fatalf("%s = %#v, want %#v", tt.expr, got, tt.want)
			}
		})
	}
}

func TestExpressionErrors(t *testing.T) {
	tests := []struct {
		name    string
		def     Definition
		wantErr string
	}{
		{"CompareNumberWithString", Definition{Derived: []Rule{{Name: "x", Expr: `n > "x"`, Source: "f.yaml:3"}}},
			`f.yaml:3: derived x: invalid operation: > between a number and a string (column 3)`},
		{"OrderAgainstNil", Definition{Derived: []Rule{{Name: "x", Expr: `n > nil`}}}, "with nil is always false"},
		{"EqualityAcrossKinds", Definition{Derived: []Rule{{Name: "x", Expr: `s == 3`}}}, "never equal"},
		{"UnknownName", Definition{Derived: []Rule{{Name: "x", Expr: `helth == "Good"`}}}, "unknown name helth"},
		{"LaterDerived", Definition{Derived: []Rule{{Name: "x", Expr: `y > 1`}, {Name: "y", Expr: "1"}}}, "y is defined later"},
		{"ShadowsField", Definition{Derived: []Rule{{Name: "n", Expr: "1", Source: "f.yaml:9"}}}, "f.yaml:9: derived n: n shadows the field"},
		{"ShadowsDerived", Definition{Derived: []Rule{{Name: "x", Expr: "1"}, {Name: "x", Expr: "2"}}}, "x shadows the derived value"},
		{"HasTagInDerived", Definition{Derived: []Rule{{Name: "x", Expr: `has_tag("A")`}},
			SmartLists: []SmartList{{Tag: "A", When: "true"}}}, "has_tag is not available in derived values"},
		{"HasTagLater", Definition{SmartLists: []SmartList{{Tag: "A", When: `has_tag("B")`}, {Tag: "B", When: "true"}}},
			"not before this one"},
		{"HasTagUnknown", Definition{SmartLists: []SmartList{{Tag: "A", When: "true"}},
			StatusRules: []StatusRule{{When: `has_tag("Z")`, Value: "z", Source: "f.yaml:20"}}}, `f.yaml:20: status rule 1 ("z"): when: has_tag("Z"): no smart list`},
		{"HasTagNeedsLiteral", Definition{SmartLists: []SmartList{{Tag: "A", When: "true"}, {Tag: "B", When: `has_tag(s)`}}}, "in quotes"},
		{"DuplicateTag", Definition{SmartLists: []SmartList{{Tag: "A", When: "true"}, {Tag: "A", When: "false", Source: "f.yaml:30"}}},
			`f.yaml:30: smart list 2 "A": duplicate tag`},
		{"TagWithSeparator", Definition{SmartLists: []SmartList{{Tag: "A;B", When: "true"}}}, "contains the separator"},
		{"ConditionNotBool", Definition{SmartLists: []SmartList{{Tag: "A", When: "n + 1"}}}, "must be a bool"},
		{"AndOnNumber", Definition{SmartLists: []SmartList{{Tag: "A", When: "n && b"}}}, "an operand of && must be a bool"},
		{"Now", Definition{Derived: []Rule{{Name: "x", Expr: "now()"}}}, "now() is not available"},
		{"UnknownFunction", Definition{Derived: []Rule{{Name: "x", Expr: "foo(1)"}}}, "unknown function foo"},
		{"Member", Definition{Derived: []Rule{{Name: "x", Expr: "s.x"}}}, "not supported"},
		{"Let", Definition{Derived: []Rule{{Name: "x", Expr: "let y = 1; y"}}}, "let is not supported"},
		{"SyntaxError", Definition{Derived: []Rule{{Name: "x", Expr: "n +"}}}, "column"},
		{"BadDateLiteral", Definition{Derived: []Rule{{Name: "x", Expr: `date("2024-02-30")`}}}, "invalid date"},
		{"DaysSinceOfString", Definition{Derived: []Rule{{Name: "x", Expr: `days_since(s)`}}}, "takes a date"},
		{"BadRegexp", Definition{Derived: []Rule{{Name: "x", Expr: `s matches "["`}}}, "bad regular expression"},
		{"ReservedName", Definition{Derived: []Rule{{Name: "today", Expr: "1"}}}, "reserved"},
		{"EmptyExpression", Definition{Derived: []Rule{{Name: "x", Expr: " "}}}, "empty expression"},
		{"DateTimesDate", Definition{Derived: []Rule{{Name: "x", Expr: "d * 2"}}}, "between a date and a number"},
		{"MultiLine", Definition{Derived: []Rule{{Name: "x", Expr: "n > 1 &&\n s > 2"}}}, "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := tt.def
			def.Fields, def.TagsField, def.StatusField, def.Separator = testFields, "Tags__c", "Status__c", ";"
			_, err := Compile(def)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Compile error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestDefinitionErrors(t *testing.T) {
	base := func() Definition {
		return Definition{Fields: []Field{{Name: "a", APIName: "A__c"}}, TagsField: "Tags__c", StatusField: "Status__c", Separator: ";"}
	}
	tests := []struct {
		name    string
		edit    func(*Definition)
		wantErr string
	}{
		{"NoSeparator", func(d *Definition) { d.Separator = " " }, "separator"},
		{"DuplicateAPIName", func(d *Definition) { d.Fields = append(d.Fields, Field{Name: "b", APIName: "a__C"}) }, "already mapped"},
		{"OutputMappedAsInput", func(d *Definition) { d.Fields = append(d.Fields, Field{Name: "b", APIName: "Tags__c"}) }, "also mapped as the input"},
		{"SameOutputFields", func(d *Definition) { d.StatusField = "tags__c" }, "both"},
		{"BadFieldName", func(d *Definition) { d.Fields[0].Name = "a-b" }, "invalid name"},
		{"NoTagsField", func(d *Definition) { d.TagsField = "" }, "no tags field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := base()
			tt.edit(&def)
			if _, err := Compile(def); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Compile error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestStatusFirstMatchWins(t *testing.T) {
	other := "Other"
	p := mustPack(t, Definition{
		SmartLists: []SmartList{{Tag: "Big", When: "n > 10"}, {Tag: "Small", When: "n <= 10"}},
		StatusRules: []StatusRule{
			{When: `has_tag("Big")`, Value: "Big one"},
			{When: "n > 5", Value: "Medium"},
			{When: "n > 0", Value: ""},
		},
		Otherwise: &other,
	})
	asOf := NewDate(2024, 1, 1)
	tests := []struct {
		n    any
		want *string
	}{
		{20.0, ptr("Big one")}, {7.0, ptr("Medium")}, {1.0, nil}, {-1.0, &other}, {nil, &other},
	}
	for _, tt := range tests {
		res := p.Evaluate(mustDecode(t, p, Record{"N__c": tt.n}), asOf)
		if !sameValue(res.Status, tt.want) || (res.Status == nil) != (tt.want == nil) {
			t.Errorf("n=%v: status = %s, want %s", tt.n, formatPtr(res.Status), formatPtr(tt.want))
		}
	}
	if got, want := strings.Join(p.StatusValues(), ","), "Big one,Medium,Other"; got != want {
		t.Errorf("StatusValues = %q, want %q", got, want)
	}
}

func ptr(s string) *string { return &s }
