package soql

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// id returns the 18-character id of test record n.
func id(n int) string { return fmt.Sprintf("001Ab00000000%02dAAA", n) }

func ids(ns ...int) []string {
	out := []string{}
	for _, n := range ns {
		out = append(out, id(n))
	}
	return out
}

// records are six accounts around today (2024-03-15 UTC), with nulls.
func records() []record {
	utc := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	return []record{
		{"Id": id(1), "Name": "Acme", "Customer_Health__c": "Good", "Paying_Customer__c": true, "NPS__c": 9.0,
			"Start_Date__c": "2024-03-15", "SystemModstamp": utc("2024-03-15T00:00:00Z")},
		{"Id": id(2), "Name": "acme corp", "Customer_Health__c": "Poor", "Paying_Customer__c": false, "NPS__c": 3.0,
			"Start_Date__c": "2024-03-14", "SystemModstamp": utc("2024-03-14T23:59:59Z")},
		{"Id": id(3), "Name": "Bob's 100% BBQ", "Customer_Health__c": nil, "Paying_Customer__c": nil, "NPS__c": nil,
			"Start_Date__c": nil, "SystemModstamp": nil},
		{"Id": id(4), "Name": "Zed_Co", "Customer_Health__c": "Average", "Paying_Customer__c": true, "NPS__c": 7.5,
			"Start_Date__c": "2024-03-16", "SystemModstamp": utc("2024-03-16T00:00:00Z")},
		{"Id": id(5), "Name": nil, "Customer_Health__c": "good", "Paying_Customer__c": false, "NPS__c": -1.0,
			"Start_Date__c": "2023-12-16", "SystemModstamp": utc("2024-03-15T23:59:59.999Z")},
		// No Paying_Customer__c at all; the dateTime in Salesforce's JSON format.
		{"Id": id(6), "Name": "Acme", "Customer_Health__c": "Good", "NPS__c": 0.0,
			"Start_Date__c": "2024-02-14", "Renewal_Date__c": "2024-06-13", "SystemModstamp": "2024-03-15T23:00:00.000+0000"},
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		where string
		want  []int
	}{
		{"", []int{1, 2, 3, 4, 5, 6}},
		// Strings: = and the ordering operators are case-insensitive.
		{"Name = 'acme'", []int{1, 6}},
		{"name = 'ACME CORP'", []int{2}},
		{"Name != 'Acme'", []int{2, 3, 4}},
		{"Name <> 'Acme'", []int{2, 3, 4}},
		{"Name = null", []int{5}},
		{"Name != null", []int{1, 2, 3, 4, 6}},
		{"Name < 'B'", []int{1, 2, 6}},
		{"Name <= 'acme'", []int{1, 6}},
		{"Name > 'Bob'", []int{3, 4}},
		{"Name >= 'zed_co'", []int{4}},
		{"Name < null", []int{}},
		{"Name IN ('acme', 'zed_co')", []int{1, 4, 6}},
		{"Name IN ('nobody', null)", []int{5}},
		{"Name NOT IN ('acme', 'zed_co')", []int{2, 3}},
		// LIKE: % and _ wildcards, \% and \_ literal, case-insensitive.
		{"Name LIKE 'acme%'", []int{1, 2, 6}},
		{"Name LIKE 'ACME'", []int{1, 6}},
		{"Name LIKE '_cme'", []int{1, 6}},
		{"Name LIKE '%corp'", []int{2}},
		{"Name LIKE '%\\%%'", []int{3}},
		{"Name LIKE 'Zed\\_C_'", []int{4}},
		{"Name LIKE 'Zed\\_'", []int{}},
		{"Name LIKE 'Bob\\'s%'", []int{3}},
		{"Name LIKE '%'", []int{1, 2, 3, 4, 6}},
		{"Name LIKE 'a.*'", []int{}},
		// Booleans: null and a missing value match false.
		{"Paying_Customer__c = true", []int{1, 4}},
		{"Paying_Customer__c = FALSE", []int{2, 3, 5, 6}},
		{"Paying_Customer__c = null", []int{2, 3, 5, 6}},
		{"Paying_Customer__c != null", []int{1, 4}},
		{"Paying_Customer__c != true", []int{2, 3, 5, 6}},
		// Numbers.
		{"NPS__c > 7", []int{1, 4}},
		{"NPS__c >= 7.5", []int{1, 4}},
		{"NPS__c < 0", []int{5}},
		{"NPS__c <= 0", []int{5, 6}},
		{"NPS__c = 0", []int{6}},
		{"NPS__c = -1", []int{5}},
		{"NPS__c != 9", []int{2, 4, 5, 6}},
		{"NPS__c IN (3, 9)", []int{1, 2}},
		{"NPS__c NOT IN (3, 9)", []int{4, 5, 6}},
		{"NPS__c = null", []int{3}},
		// Dates and date literals, today = 2024-03-15.
		{"Start_Date__c = 2024-03-15", []int{1}},
		{"Start_Date__c = TODAY", []int{1}},
		{"Start_Date__c = yesterday", []int{2}},
		{"Start_Date__c = TOMORROW", []int{4}},
		{"Start_Date__c > TODAY", []int{4}},
		{"Start_Date__c >= TODAY", []int{1, 4}},
		{"Start_Date__c < TODAY", []int{2, 5, 6}},
		{"Start_Date__c <= TODAY", []int{1, 2, 5, 6}},
		{"Start_Date__c != TODAY", []int{2, 4, 5, 6}},
		{"Start_Date__c = LAST_N_DAYS:0", []int{1}},
		{"Start_Date__c = LAST_N_DAYS:1", []int{1, 2}},
		{"Start_Date__c = LAST_N_DAYS:29", []int{1, 2}},
		{"Start_Date__c = LAST_N_DAYS:30", []int{1, 2, 6}},
		{"Start_Date__c = LAST_N_DAYS:89", []int{1, 2, 6}},
		{"Start_Date__c = LAST_90_DAYS", []int{1, 2, 5, 6}},
		{"Start_Date__c < LAST_N_DAYS:30", []int{5}},
		{"Start_Date__c > LAST_N_DAYS:30", []int{4}},
		{"Start_Date__c = NEXT_N_DAYS:0", []int{}},
		{"Start_Date__c = NEXT_N_DAYS:1", []int{4}},
		{"Start_Date__c IN (TODAY, YESTERDAY)", []int{1, 2}},
		{"Start_Date__c NOT IN (TODAY)", []int{2, 4, 5, 6}},
		{"Renewal_Date__c = NEXT_90_DAYS", []int{6}},
		{"Renewal_Date__c = NEXT_N_DAYS:89", []int{}},
		{"Start_Date__c = null", []int{3}},
		// DateTimes: instants, offsets, and date literals as UTC days.
		{"SystemModstamp = TODAY", []int{1, 5, 6}},
		{"SystemModstamp = YESTERDAY", []int{2}},
		{"SystemModstamp > TODAY", []int{4}},
		{"SystemModstamp < TODAY", []int{2}},
		{"SystemModstamp >= TODAY", []int{1, 4, 5, 6}},
		{"SystemModstamp <= TODAY", []int{1, 2, 5, 6}},
		{"SystemModstamp = LAST_N_DAYS:1", []int{1, 2, 5, 6}},
		{"SystemModstamp > 2024-03-15T00:00:00Z", []int{4, 5, 6}},
		{"SystemModstamp >= 2024-03-15T00:00:00.000Z", []int{1, 4, 5, 6}},
		{"SystemModstamp = 2024-03-15T01:00:00+01:00", []int{1}},
		{"SystemModstamp = 2024-03-16T01:00:00+02:00", []int{6}},
		{"SystemModstamp < 2024-03-14T16:00:00-08:00", []int{2}},
		{"SystemModstamp = null", []int{3}},
		// Ids: a 15-character literal matches the 18-character id, case-sensitively.
		{"Id = '001Ab0000000001'", []int{1}},
		{"Id = '001Ab0000000001AAA'", []int{1}},
		{"Id = '001ab0000000001'", []int{}},
		{"Id IN ('001Ab0000000001', '001Ab0000000002AAA')", []int{1, 2}},
		{"Id != '001Ab0000000001'", []int{2, 3, 4, 5, 6}},
		// Logic.
		{"Name = 'acme' AND NPS__c > 5", []int{1}},
		{"Name = 'acme' OR NPS__c < 0", []int{1, 5, 6}},
		{"NOT Name = 'acme'", []int{2, 3, 4, 5}},
		{"NOT (Name = 'acme' OR Paying_Customer__c = true)", []int{2, 3, 5}},
		{"(Name = 'acme' OR Name = 'zed_co') AND Paying_Customer__c = true", []int{1, 4}},
		{"Name = 'acme' AND (NPS__c = 0 OR NPS__c = 9) AND Customer_Health__c = 'GOOD'", []int{1, 6}},
		{"NOT NOT Name = 'acme'", []int{1, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.where, func(t *testing.T) {
			q := "SELECT Id FROM Account"
			if tt.where != "" {
				q += " WHERE " + tt.where
			}
			if got, want := run(t, q, records()), ids(tt.want...); !slices.Equal(got, want) {
				t.Fatalf("%s\n got %v\nwant %v", q, short(got), short(want))
			}
		})
	}
}

func TestOrderBy(t *testing.T) {
	tests := []struct {
		order string
		want  []int
	}{
		{"ORDER BY Name", []int{5, 1, 6, 2, 3, 4}},
		{"ORDER BY Name ASC NULLS LAST", []int{1, 6, 2, 3, 4, 5}},
		{"ORDER BY Name DESC", []int{5, 4, 3, 2, 1, 6}},
		{"ORDER BY Name DESC NULLS LAST", []int{4, 3, 2, 1, 6, 5}},
		{"ORDER BY Name DESC NULLS FIRST", []int{5, 4, 3, 2, 1, 6}},
		{"ORDER BY Name, NPS__c", []int{5, 6, 1, 2, 3, 4}},
		{"ORDER BY Start_Date__c", []int{3, 5, 6, 2, 1, 4}},
		{"ORDER BY SystemModstamp DESC NULLS LAST", []int{4, 5, 6, 1, 2, 3}},
		{"ORDER BY Paying_Customer__c", []int{2, 3, 5, 6, 1, 4}},
		{"ORDER BY NPS__c DESC NULLS LAST LIMIT 2", []int{1, 4}},
		{"ORDER BY NPS__c LIMIT 0", []int{}},
		{"LIMIT 3", []int{1, 2, 3}},
		{"ORDER BY Id DESC", []int{6, 5, 4, 3, 2, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.order, func(t *testing.T) {
			q := "SELECT Id, Name FROM Account " + tt.order
			if got, want := run(t, q, records()), ids(tt.want...); !slices.Equal(got, want) {
				t.Fatalf("%s\n got %v\nwant %v", q, short(got), short(want))
			}
		})
	}
}

func TestLessWithoutOrderBy(t *testing.T) {
	p := MustPlan(t, "SELECT Id FROM Account")
	recs := records()
	if p.Less(getter(recs[0]), getter(recs[1])) || p.Less(getter(recs[1]), getter(recs[0])) {
		t.Fatal("Less without ORDER BY = true, want false both ways")
	}
}

// TestMatchWrongGoType treats a stored value of an unexpected Go type as
// null rather than panicking.
func TestMatchWrongGoType(t *testing.T) {
	r := record{"Id": id(1), "Name": 42, "NPS__c": "9", "Start_Date__c": "March", "SystemModstamp": 7}
	for _, where := range []string{"Name = 'x'", "NPS__c > 1", "Start_Date__c = TODAY", "SystemModstamp > 2024-01-01T00:00:00Z", "Name LIKE '%'"} {
		if got := run(t, "SELECT Id FROM Account WHERE "+where, []record{r}); len(got) != 0 {
			t.Errorf("%s matched %v, want nothing", where, got)
		}
	}
	if got := run(t, "SELECT Id FROM Account WHERE Name = null AND NPS__c = null", []record{r}); len(got) != 1 {
		t.Errorf("values of the wrong type are not null: got %v", got)
	}
}

func short(ids []string) string {
	var b strings.Builder
	for _, s := range ids {
		b.WriteString(strings.TrimLeft(s[len(s)-5:len(s)-3], "0") + " ")
	}
	return b.String()
}
