package mapping

import (
	"fmt"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
)

// Comparison is a string literal a rule compares a mapped field with:
// `health == "Good"`, `"Good" != health` or `health in ["Good", "Poor"]`.
// Rules compare picklist API values, not labels, so for a picklist field
// every Literal should be one of its API values.
type Comparison struct {
	Field   string // the field's name in rules, e.g. "health"
	APIName string // the field's API name, e.g. "Customer_Health__c"
	Literal string // the string compared with, e.g. "Good"
	Rule    string // which rule, e.g. `smart list "Core-Good"`, "derived age", "status rule 3"
	Source  string // the rule's Source, e.g. "lifecycled.yaml:14"; may be empty
}

// StringComparisons lists every string literal a rule compares a mapped
// field with directly (==, != and in), in rule order: derived values, smart
// lists, then status rules. Comparisons with derived values and literals
// reached through functions (lower(health) == "good") are not listed.
func (p *Pack) StringComparisons() []Comparison {
	fields := make(map[string]Field, len(p.def.Fields))
	for _, f := range p.def.Fields {
		fields[f.Name] = f
	}
	var out []Comparison
	scan := func(src, rule, source string) {
		tree, err := parser.Parse(src)
		if err != nil {
			return // Compile has accepted it; unreachable
		}
		v := &comparisons{fields: fields, rule: rule, source: source}
		ast.Walk(&tree.Node, v)
		out = append(out, v.found...)
	}
	for _, r := range p.def.Derived {
		scan(r.Expr, "derived "+r.Name, r.Source)
	}
	for _, l := range p.def.SmartLists {
		scan(l.When, fmt.Sprintf("smart list %q", l.Tag), l.Source)
	}
	for i, r := range p.def.StatusRules {
		scan(r.When, fmt.Sprintf("status rule %d", i+1), r.Source)
	}
	return out
}

// comparisons is an ast.Visitor collecting one rule's comparisons.
type comparisons struct {
	fields       map[string]Field
	rule, source string
	found        []Comparison
}

func (c *comparisons) Visit(node *ast.Node) {
	b, ok := (*node).(*ast.BinaryNode)
	if !ok {
		return
	}
	switch b.Operator {
	case "==", "!=":
		if f, ok := c.field(b.Left); ok {
			c.literal(f, b.Right)
		} else if f, ok := c.field(b.Right); ok {
			c.literal(f, b.Left)
		}
	case "in":
		arr, isArr := b.Right.(*ast.ArrayNode)
		if f, ok := c.field(b.Left); ok && isArr {
			for _, e := range arr.Nodes {
				c.literal(f, e)
			}
		}
	}
}

// field returns the mapped field n names, if it is a bare name.
func (c *comparisons) field(n ast.Node) (Field, bool) {
	id, ok := n.(*ast.IdentifierNode)
	if !ok {
		return Field{}, false
	}
	f, ok := c.fields[id.Value]
	return f, ok
}

func (c *comparisons) literal(f Field, n ast.Node) {
	if s, ok := n.(*ast.StringNode); ok {
		c.found = append(c.found, Comparison{Field: f.Name, APIName: f.APIName, Literal: s.Value, Rule: c.rule, Source: c.source})
	}
}
