package mapping

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// tagPack manages A, B and C: A when n > 0, B when n > 1, C when n > 2.
func tagPack(tb testing.TB, maxLen int) *Pack {
	return mustPack(tb, Definition{
		SmartLists:  []SmartList{{Tag: "A", When: "n > 0"}, {Tag: "B", When: "n > 1"}, {Tag: "C", When: "n > 2"}},
		StatusRules: []StatusRule{{When: `has_tag("C")`, Value: "Three"}, {When: `has_tag("A")`, Value: "Some"}},
		TagsMaxLen:  maxLen,
	})
}

func TestTagsMerge(t *testing.T) {
	p := tagPack(t, 0)
	tests := []struct {
		name    string
		n       float64
		current any
		want    any // string or nil
		changed bool
	}{
		{"EmptyStaysEmpty", 0, nil, nil, false},
		{"ManagedAdded", 2, nil, "A;B", true},
		{"ForeignFirstInOrder", 1, "Zeta;VIP;Alpha", "Zeta;VIP;Alpha;A", true},
		{"ForeignDuplicatesAndEmptiesDropped", 1, " VIP ;;VIP; x ;", "VIP;x;A", true},
		{"ManagedRemovedForeignKept", 0, "B;VIP;C", "VIP", true},
		{"SameSetOtherOrderNoWrite", 2, "B;A", "A;B", false},
		{"SameSetWhitespaceNoWrite", 2, " A ; B ", "A;B", false},
		{"SameSetDuplicatesNoWrite", 2, "A;B;A;;", "A;B", false},
		{"ManagedAfterForeignNoWrite", 1, "A;VIP", "VIP;A", false},
		{"AllRemovedClears", 0, "A;B", nil, true},
		{"OnlySeparatorsNoWrite", 0, " ; ; ", nil, false},
		{"ManagedCaseMattersLowercaseIsForeign", 1, "a", "a;A", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := p.Evaluate(mustDecode(t, p, Record{"N__c": tt.n, "Tags__c": tt.current}), NewDate(2024, 1, 1))
			if got := ptrAny(res.Tags); got != tt.want {
				t.Errorf("tags = %#v, want %#v", got, tt.want)
			}
			if res.TagsChanged != tt.changed {
				t.Errorf("TagsChanged = %v, want %v", res.TagsChanged, tt.changed)
			}
		})
	}
}

func ptrAny(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func TestStatusChanged(t *testing.T) {
	p := tagPack(t, 0)
	tests := []struct {
		name    string
		n       float64
		current any
		changed bool
	}{
		{"SameValue", 3, "Three", false},
		{"OtherValue", 3, "Some", true},
		{"NullToValue", 1, nil, true},
		{"EmptyEqualsNull", 0, "", false},
		{"NullStaysNull", 0, nil, false},
		{"ValueToNull", 0, "Some", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := p.Evaluate(mustDecode(t, p, Record{"N__c": tt.n, "Status__c": tt.current}), NewDate(2024, 1, 1))
			if res.StatusChanged != tt.changed {
				t.Errorf("StatusChanged = %v, want %v (status %s)", res.StatusChanged, tt.changed, formatPtr(res.Status))
			}
		})
	}
}

func TestTagsTooLongRejected(t *testing.T) {
	p := tagPack(t, 10)
	res := p.Evaluate(mustDecode(t, p, Record{"N__c": 3.0, "Tags__c": "Foreign1"}), NewDate(2024, 1, 1))
	if res.Rejected == "" || !strings.Contains(res.Rejected, "14 characters") || !strings.Contains(res.Rejected, "Tags__c") {
		t.Fatalf("Rejected = %q, want the length and the field", res.Rejected)
	}
	if got := ptrAny(res.Tags); got != "Foreign1;A;B;C" {
		t.Fatalf("tags = %v, want the whole value, not truncated", got)
	}
	// An unchanged set needs no write, so its length does not matter.
	res = p.Evaluate(mustDecode(t, p, Record{"N__c": 3.0, "Tags__c": "C;B;A;Foreign1"}), NewDate(2024, 1, 1))
	if res.Rejected != "" || res.TagsChanged {
		t.Fatalf("unchanged set: Rejected = %q, TagsChanged = %v", res.Rejected, res.TagsChanged)
	}
	// Characters, not bytes.
	res = p.Evaluate(mustDecode(t, p, Record{"N__c": 1.0, "Tags__c": "ÄÖÜäöü"}), NewDate(2024, 1, 1))
	if res.Rejected != "" {
		t.Fatalf("8 characters rejected: %q", res.Rejected)
	}
}

func TestDecode(t *testing.T) {
	p := mustPack(t, Definition{})
	a, err := p.Decode(Record{"Id": "001A", "n__C": 2.5, "S__c": "x", "D__c": "2024-02-29", "B__c": false,
		"Tags__c": "A", "Status__c": "", "attributes": map[string]any{"type": "Account"}})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "001A" || ptrAny(a.Tags) != "A" || a.Status != nil {
		t.Fatalf("decoded %+v", a)
	}
	want := []any{2.5, nil, "x", NewDate(2024, time.February, 29), false}
	for i, v := range a.vals {
		if v.Interface() != want[i] {
			t.Errorf("%s = %#v, want %#v", testFields[i].Name, v.Interface(), want[i])
		}
	}

	bad := []struct {
		name    string
		rec     Record
		field   string
		wantErr string
	}{
		{"NumberAsString", Record{"N__c": "12"}, "N__c", `field N__c (n): want a number, got the string "12"`},
		{"BoolAsString", Record{"B__c": "true"}, "B__c", "want a checkbox value"},
		{"DateAsNumber", Record{"D__c": 20240301.0}, "D__c", "want a date string"},
		{"BadDate", Record{"D__c": "03/01/2024"}, "D__c", "invalid date"},
		{"DateTime", Record{"D__c": "2024-03-01T00:00:00.000+0000"}, "D__c", "date-time"},
		{"StringAsNumber", Record{"S__c": 5.0}, "S__c", "want a string"},
		{"TagsAsArray", Record{"Tags__c": []any{"A"}}, "Tags__c", "an array"},
		{"IdAsNumber", Record{"Id": 1.0}, "Id", "want a string"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.Decode(tt.rec)
			var de *DecodeError
			if !errors.As(err, &de) || de.Field != tt.field || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Decode error = %v, want a DecodeError for %s containing %q", err, tt.field, tt.wantErr)
			}
		})
	}
}

func TestEvaluateAccountNotFromDecode(t *testing.T) {
	p := tagPack(t, 0)
	res := p.Evaluate(Account{ID: "x"}, NewDate(2024, 1, 1)) // no values: every input nil
	if res.ManagedTags != nil || res.Tags != nil || res.Status != nil || res.TagsChanged || res.StatusChanged {
		t.Fatalf("zero account: %+v", res)
	}
}

func TestExplain(t *testing.T) {
	p := mustPack(t, Definition{
		Derived:     []Rule{{Name: "twice", Expr: "n * 2"}},
		SmartLists:  []SmartList{{Tag: "A", When: "twice > 2"}, {Tag: "B", When: "twice > 10"}},
		StatusRules: []StatusRule{{When: `has_tag("B")`, Value: "Bee"}, {When: `has_tag("A")`, Value: "Ay"}},
	})
	ex := p.Explain(mustDecode(t, p, Record{"Id": "001", "N__c": 2.0, "Tags__c": "VIP"}), NewDate(2024, 1, 1))
	if ex.Derived[0].Value != 4.0 || !ex.SmartLists[0].Matched || ex.SmartLists[1].Matched || ex.StatusRule != 2 {
		t.Fatalf("explanation %+v", ex)
	}
	if got := ptrAny(ex.Result.Status); got != "Ay" {
		t.Fatalf("status %v", got)
	}
	s := ex.String()
	for _, want := range []string{"Account 001 as of 2024-01-01", "twice", "= 4", "[x] A", "[ ] B", `rule 2 fired`, `"VIP" -> "VIP;A"`} {
		if !strings.Contains(s, want) {
			t.Errorf("String() lacks %q:\n%s", want, s)
		}
	}
}

// TestEvaluateConcurrently: a Pack is safe for concurrent use (run with -race).
func TestEvaluateConcurrently(t *testing.T) {
	p := tagPack(t, 0)
	asOf := NewDate(2024, 1, 1)
	done := make(chan string, 8)
	for g := range 8 {
		a := mustDecode(t, p, Record{"N__c": float64(g % 4), "Tags__c": "VIP;A"})
		go func() {
			var last string
			for range 1000 {
				last = ptrAny2(p.Evaluate(a, asOf).Tags)
			}
			done <- last
		}()
	}
	want := map[string]bool{"VIP": true, "VIP;A": true, "VIP;A;B": true, "VIP;A;B;C": true}
	for range 8 {
		if got := <-done; !want[got] {
			t.Errorf("tags %q", got)
		}
	}
}

func ptrAny2(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
