package mapping

import (
	"fmt"
	"strconv"
	"strings"
)

// Explanation is why an account gets its tags and status: every input and
// derived value, every smart list's outcome, the status rule that fired and
// the result.
type Explanation struct {
	ID            string              `json:"id"`
	AsOf          Date                `json:"as_of"`
	Inputs        []NamedValue        `json:"inputs"`
	Derived       []NamedValue        `json:"derived"`
	SmartLists    []ListOutcome       `json:"smart_lists"`
	StatusRules   []StatusRuleOutcome `json:"status_rules"`          // the rules tried, up to the one that fired
	StatusRule    int                 `json:"status_rule"`           // 1-based index of the rule that fired; 0: none did (otherwise)
	StatusKept    bool                `json:"status_kept,omitempty"` // no rule fired and otherwise is keep: the status stays
	CurrentTags   *string             `json:"current_tags"`
	CurrentStatus *string             `json:"current_status"`
	Result        Result              `json:"result"`
}

// NamedValue is one input or derived value. Value is nil, bool, float64,
// string or Date.
type NamedValue struct {
	Name    string `json:"name"`
	APIName string `json:"api_name,omitempty"` // inputs only
	Expr    string `json:"expr,omitempty"`     // derived values only
	Value   any    `json:"value"`
}

// ListOutcome is whether one smart list matched.
type ListOutcome struct {
	Tag     string `json:"tag"`
	When    string `json:"when"`
	Source  string `json:"source,omitempty"`
	Matched bool   `json:"matched"`
}

// StatusRuleOutcome is one status rule that was tried.
type StatusRuleOutcome struct {
	When    string `json:"when"`
	Value   string `json:"value"`
	Source  string `json:"source,omitempty"`
	Matched bool   `json:"matched"`
}

// Explain evaluates a as Evaluate does and reports every step.
func (p *Pack) Explain(a Account, asOf Date) Explanation {
	st := p.newState()
	rule := p.run(&st.f, a, asOf)
	ex := Explanation{
		ID: a.ID, AsOf: asOf, StatusRule: rule + 1, StatusKept: rule < 0 && p.def.OtherwiseKeep,
		CurrentTags: a.Tags, CurrentStatus: a.Status,
		Result: p.result(st, a, rule),
	}
	nf := len(p.def.Fields)
	for i, f := range p.def.Fields {
		ex.Inputs = append(ex.Inputs, NamedValue{Name: f.Name, APIName: f.APIName, Value: st.f.vals[i].Interface()})
	}
	for i, d := range p.def.Derived {
		ex.Derived = append(ex.Derived, NamedValue{Name: d.Name, Expr: d.Expr, Value: st.f.vals[nf+i].Interface()})
	}
	for i, l := range p.def.SmartLists {
		ex.SmartLists = append(ex.SmartLists, ListOutcome{Tag: l.Tag, When: l.When, Source: l.Source, Matched: st.f.tags[i]})
	}
	for i, r := range p.def.StatusRules {
		ex.StatusRules = append(ex.StatusRules, StatusRuleOutcome{When: r.When, Value: r.Value, Source: r.Source, Matched: i == rule})
		if i == rule {
			break
		}
	}
	return ex
}

// String formats the explanation for a terminal.
func (e Explanation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Account %s as of %s\n\nInputs:\n", orNone(e.ID), e.AsOf)
	for _, v := range e.Inputs {
		fmt.Fprintf(&b, "  %-16s %-28s %s\n", v.Name, "("+v.APIName+")", formatAny(v.Value))
	}
	if len(e.Derived) > 0 {
		b.WriteString("\nDerived values:\n")
		for _, v := range e.Derived {
			fmt.Fprintf(&b, "  %-16s = %-12s %s\n", v.Name, formatAny(v.Value), v.Expr)
		}
	}
	b.WriteString("\nSmart lists:\n")
	for _, l := range e.SmartLists {
		mark := "[ ]"
		if l.Matched {
			mark = "[x]"
		}
		fmt.Fprintf(&b, "  %s %-30s %s\n", mark, l.Tag, l.When)
	}
	b.WriteString("\nStatus:\n")
	if e.StatusRule > 0 {
		r := e.StatusRules[e.StatusRule-1]
		fmt.Fprintf(&b, "  rule %d fired: %s -> %s\n", e.StatusRule, r.When, formatPtr(nonEmpty(r.Value)))
	} else if e.StatusKept {
		fmt.Fprintf(&b, "  no rule fired (%d tried): otherwise keep -> %s stays\n", len(e.StatusRules), formatPtr(e.Result.Status))
	} else {
		fmt.Fprintf(&b, "  no rule fired (%d tried): otherwise -> %s\n", len(e.StatusRules), formatPtr(e.Result.Status))
	}
	r := e.Result
	b.WriteString("\nResult:\n")
	fmt.Fprintf(&b, "  tags:   %s -> %s (%s)\n", formatPtr(e.CurrentTags), formatPtr(r.Tags), changed(r.TagsChanged))
	fmt.Fprintf(&b, "  status: %s -> %s (%s)\n", formatPtr(e.CurrentStatus), formatPtr(r.Status), changed(r.StatusChanged))
	if r.Rejected != "" {
		fmt.Fprintf(&b, "  rejected: %s\n", r.Rejected)
	}
	return b.String()
}

func changed(c bool) string {
	if c {
		return "write needed"
	}
	return "unchanged"
}

func orNone(s string) string {
	if s == "" {
		return "(no Id)"
	}
	return s
}

func formatPtr(s *string) string {
	if s == nil {
		return "null"
	}
	return strconv.Quote(*s)
}

func formatAny(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case string:
		return strconv.Quote(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case Date:
		return x.String()
	}
	return fmt.Sprint(v)
}
