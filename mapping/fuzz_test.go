package mapping

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// FuzzSplitTags: any tags value splits without panicking into trimmed,
// non-empty tags free of the separator.
func FuzzSplitTags(f *testing.F) {
	for _, s := range []string{"", ";", "A;B", " A ; ;B;;", "a\x00;\xff", "日本;語"} {
		f.Add(s, ";")
	}
	f.Add("A, B", ",")
	f.Add("A B", "")
	f.Fuzz(func(t *testing.T, value, sep string) {
		for _, tag := range SplitTags(value, sep) {
			if tag == "" || tag != strings.TrimSpace(tag) || sep != "" && strings.Contains(tag, sep) {
				t.Fatalf("SplitTags(%q, %q) gave %q", value, sep, tag)
			}
		}
	})
}

// FuzzMerge checks Evaluate's merge on any current value: foreign tags are
// never lost and keep their order, the managed tags are exactly the ones
// that apply, and merging the result again changes nothing (idempotent).
func FuzzMerge(f *testing.F) {
	for _, s := range []string{"", "A", "VIP;A;B", " x ;;x;C;y", "C;B;A", ";;;", "A;a;Ä"} {
		f.Add(s, 2.0)
	}
	f.Fuzz(func(t *testing.T, current string, n float64) {
		p := tagPack(t, 0)
		asOf := NewDate(2024, 1, 1)
		a := mustDecode(t, p, Record{"N__c": n, "Tags__c": current})
		res := p.Evaluate(a, asOf)
		out := ""
		if res.Tags != nil {
			out = *res.Tags
		}
		got := SplitTags(out, ";")
		var foreign []string
		for _, tag := range SplitTags(current, ";") {
			if !p.IsManaged(tag) && !slices.Contains(foreign, tag) {
				foreign = append(foreign, tag)
			}
		}
		want := append(slices.Clone(foreign), res.ManagedTags...)
		if !slices.Equal(got, want) {
			t.Fatalf("merge of %q = %q, want foreign %q then managed %q", current, out, foreign, res.ManagedTags)
		}
		if res.Tags != nil && *res.Tags == "" {
			t.Fatal("empty tags value instead of nil")
		}
		if res.TagsChanged != !SameTagSet(current, out, ";") {
			t.Fatalf("TagsChanged = %v for %q -> %q", res.TagsChanged, current, out)
		}
		again := p.Evaluate(Account{ID: a.ID, Tags: res.Tags, vals: a.vals}, asOf)
		if again.TagsChanged || ptrAny(again.Tags) != ptrAny(res.Tags) {
			t.Fatalf("not idempotent: %q -> %q -> %v (changed %v)", current, out, ptrAny(again.Tags), again.TagsChanged)
		}
		if m := MergeTags(current, ";", p.IsManaged, res.ManagedTags); m != out {
			t.Fatalf("MergeTags = %q, Evaluate = %q", m, out)
		}
	})
}

// FuzzCompile: any expression compiles or fails without panicking, and a
// compiled one evaluates without panicking on empty and on set inputs.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"n > 1", "days_since(d) <= 30 && b", `s in ["a", nil]`, "n / m", "d - 1 < today",
		"next_anniversary(d) ?? today", "max(n, m) % 0", `lower(s) matches "^a"`, "-(n ** 400)",
		"b ? d : n", `(b ? d : "x") > today`, `has_tag("A")`, "((((", "1..3", "len(s) + abs(n)",
	} {
		f.Add(s)
	}
	recs := []Record{{}, {"N__c": 1e308, "M__c": 0.0, "S__c": "abc", "D__c": "0001-01-01", "B__c": true}}
	f.Fuzz(func(t *testing.T, expr string) {
		defs := []Definition{
			{Derived: []Rule{{Name: "x", Expr: expr}}},
			{SmartLists: []SmartList{{Tag: "A", When: "true"}, {Tag: "B", When: expr}}, StatusRules: []StatusRule{{When: expr, Value: "v"}}},
		}
		for _, def := range defs {
			def.Fields, def.TagsField, def.StatusField, def.Separator = testFields, "Tags__c", "Status__c", ";"
			p, err := Compile(def)
			if err != nil {
				continue
			}
			for _, rec := range recs {
				a := mustDecode(t, p, rec)
				p.Evaluate(a, NewDate(2024, 2, 29))
				_ = p.Explain(a, NewDate(9999, 12, 31)).String()
			}
		}
	})
}

// FuzzParseDateTime: any string parses or fails without panicking, and a
// parsed value's day is within one day of the date it starts with (the
// offset moves it at most that far).
func FuzzParseDateTime(f *testing.F) {
	for _, s := range []string{
		"2024-03-01T12:00:00.000+0000", "2024-03-01T12:00:00Z", "2024-03-01T12:00:00.5+05:30",
		"2024-03-01T12:00:00", "2024-03-01", "9999-12-31T23:59:59.999-1400", "0001-01-01T00:00:00+1400",
		"2024-02-30T00:00:00Z", "2024-03-01T12:00:00,5Z", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := ParseDateTime(s)
		if err != nil {
			return
		}
		d, err := ParseDate(s[:10])
		if err != nil {
			t.Fatalf("ParseDateTime(%q) = %v, but its date part does not parse: %v", s, ts, err)
		}
		if got := DateIn(ts, time.UTC); got.Sub(d) < -1 || got.Sub(d) > 1 {
			t.Fatalf("ParseDateTime(%q) is on %s, more than a day from %s", s, got, d)
		}
	})
}
