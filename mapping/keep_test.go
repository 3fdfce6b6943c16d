package mapping

import (
	"reflect"
	"strings"
	"testing"
)

// TestOtherwiseKeep: with OtherwiseKeep, an account no status rule fires
// for keeps its current status and is never a change; a rule that fires
// still sets the status.
func TestOtherwiseKeep(t *testing.T) {
	other := "Ignored"
	p := mustPack(t, Definition{
		SmartLists:    []SmartList{{Tag: "A", When: "n > 0"}},
		StatusRules:   []StatusRule{{When: `has_tag("A")`, Value: "Some"}},
		Otherwise:     &other,
		OtherwiseKeep: true,
	})
	tests := []struct {
		name    string
		n       float64
		current any
		want    any
		changed bool
	}{
		{"NoRuleKeepsValue", 0, "Manual", "Manual", false},
		{"NoRuleKeepsNull", 0, nil, nil, false},
		{"RuleFiresSets", 1, "Manual", "Some", true},
		{"RuleFiresSame", 1, "Some", "Some", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := mustDecode(t, p, Record{"N__c": tt.n, "Status__c": tt.current})
			res := p.Evaluate(a, NewDate(2024, 1, 1))
			if got := ptrAny(res.Status); got != tt.want || res.StatusChanged != tt.changed {
				t.Fatalf("status = %#v (changed %v), want %#v (changed %v)", got, res.StatusChanged, tt.want, tt.changed)
			}
			ex := p.Explain(a, NewDate(2024, 1, 1))
			if ex.StatusKept != (tt.n == 0) || ptrAny(ex.Result.Status) != tt.want {
				t.Fatalf("explanation kept = %v, status %v", ex.StatusKept, ptrAny(ex.Result.Status))
			}
			if tt.n == 0 && !strings.Contains(ex.String(), "otherwise keep") {
				t.Errorf("String() does not say the status is kept:\n%s", ex.String())
			}
		})
	}
	if got := p.StatusValues(); !reflect.DeepEqual(got, []string{"Some"}) {
		t.Errorf("StatusValues = %q, want only the rules' values", got)
	}
}

func TestStringComparisons(t *testing.T) {
	p := mustPack(t, Definition{
		Fields: []Field{
			{Name: "health", APIName: "Customer_Health__c", Type: TypeString},
			{Name: "tier", APIName: "Tier__c", Type: TypeString},
			{Name: "n", APIName: "N__c", Type: TypeNumber},
		},
		Derived: []Rule{
			{Name: "good", Expr: `health == "Good"`, Source: "c.yaml:3"},
			{Name: "label", Expr: `lower(health) == "poor" ? "x" : "y"`, Source: "c.yaml:4"},
		},
		SmartLists: []SmartList{
			{Tag: "A", When: `"Gold" != tier && n > 1`, Source: "c.yaml:7"},
			{Tag: "B", When: `health in ["Average", "Poor"] || tier not in ["Silver"]`, Source: "c.yaml:9"},
			{Tag: "C", When: `label == "x" && tier == health`, Source: "c.yaml:11"},
		},
		StatusRules: []StatusRule{{When: `has_tag("A") && (health ?? "Good") == "Good"`, Value: "S", Source: "c.yaml:14"}},
	})
	got := p.StringComparisons()
	want := []Comparison{
		{Field: "health", APIName: "Customer_Health__c", Literal: "Good", Rule: "derived good", Source: "c.yaml:3"},
		{Field: "tier", APIName: "Tier__c", Literal: "Gold", Rule: `smart list "A"`, Source: "c.yaml:7"},
		{Field: "health", APIName: "Customer_Health__c", Literal: "Average", Rule: `smart list "B"`, Source: "c.yaml:9"},
		{Field: "health", APIName: "Customer_Health__c", Literal: "Poor", Rule: `smart list "B"`, Source: "c.yaml:9"},
		{Field: "tier", APIName: "Tier__c", Literal: "Silver", Rule: `smart list "B"`, Source: "c.yaml:9"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("StringComparisons =\n%+v\nwant\n%+v", got, want)
	}
}
