package mapping

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Rule is a derived value: Name is set to the value of the expression Expr.
// Source locates it for error messages, e.g. "lifecycled.yaml:14".
type Rule struct {
	Name, Expr, Source string
}

// SmartList is a managed tag and the condition under which it applies.
type SmartList struct {
	Tag, When, Source string
}

// StatusRule sets the status to Value when When holds; the first rule that
// holds wins. An empty Value clears the status. Value is a picklist API
// value, not its label: Salesforce reads and writes API values.
type StatusRule struct {
	When, Value, Source string
}

// Definition is everything that decides an account's tags and status.
type Definition struct {
	Fields      []Field
	Derived     []Rule       // evaluated in order; each may use fields and earlier values
	SmartLists  []SmartList  // in order; has_tag sees the earlier ones
	StatusRules []StatusRule // first match wins; has_tag sees every smart list
	Otherwise   *string      // the status when no rule matches; nil (or "") clears it
	// OtherwiseKeep, when set, leaves the current status alone when no rule
	// matches (Otherwise is then ignored).
	OtherwiseKeep bool
	// Location is the zone in which a TypeDateTime field's instant becomes
	// a calendar date; nil is UTC.
	Location    *time.Location
	TagsField   string // API name of the tags field
	StatusField string // API name of the status field
	Separator   string // between tags in the tags field
	TagsMaxLen  int    // longest tags value the field accepts, in characters; 0 = unlimited
}

// RuleError is an error in one rule of a Definition.
type RuleError struct {
	Source string // e.g. "lifecycled.yaml:14"; may be empty
	Rule   string // e.g. "derived age", `smart list "Core-Good"`, "status rule 3"
	Err    error
}

func (e *RuleError) Error() string {
	if e.Source == "" {
		return fmt.Sprintf("%s: %v", e.Rule, e.Err)
	}
	return fmt.Sprintf("%s: %s: %v", e.Source, e.Rule, e.Err)
}

func (e *RuleError) Unwrap() error { return e.Err }

// Pack is a compiled Definition. It is immutable and safe for concurrent use.
type Pack struct {
	def      Definition
	derived  []cnode
	lists    []cnode
	rules    []cnode
	status   []*string // the value of each status rule; nil clears
	other    *string
	tagIndex map[string]int
	single   [][]string // single[i] is {tag i}: a result with one managed tag shares it
	tagPtr   []*string  // tagPtr[i] points to tag i: a tags value of that tag alone shares it
	pool     sync.Pool  // *state
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// reserved lists the names a field or derived value may not take: the rule
// language's words and today.
var reserved = map[string]bool{
	"today": true, "nil": true, "true": true, "false": true, "not": true, "and": true, "or": true,
	"in": true, "matches": true, "contains": true, "startsWith": true, "endsWith": true,
	"let": true, "if": true, "else": true,
}

// CheckName reports why name cannot name a field or derived value.
func CheckName(name string) error {
	switch {
	case !identRE.MatchString(name):
		return fmt.Errorf("invalid name %q: use letters, digits and _, starting with a letter or _", name)
	case reserved[name]:
		return fmt.Errorf("invalid name %q: reserved by the rule language", name)
	}
	return nil
}

// Compile checks and compiles def. Every expression is type-checked against
// the field types; an error is a *RuleError naming the rule's Source and the
// cause, or an error naming the bad field or setting.
func Compile(def Definition) (*Pack, error) {
	p := &Pack{def: def, tagIndex: map[string]int{}}
	if err := p.check(); err != nil {
		return nil, err
	}
	nf := len(def.Fields)
	sc := &scope{slots: map[string]int{}, later: map[string]bool{}, tags: p.tagIndex,
		tagWhere: "derived values (they are computed before the smart lists)"}
	for i, f := range def.Fields {
		sc.slots[f.Name] = i
		sc.kinds = append(sc.kinds, fieldKind(f.Type))
	}
	for _, r := range def.Derived {
		sc.later[r.Name] = true
	}
	for i, r := range def.Derived {
		delete(sc.later, r.Name)
		n, err := compileExpr(r.Expr, sc)
		if err != nil {
			return nil, &RuleError{Source: r.Source, Rule: "derived " + r.Name, Err: err}
		}
		p.derived = append(p.derived, n)
		sc.slots[r.Name] = nf + i
		sc.kinds = append(sc.kinds, n.k)
	}
	sc.tagWhere = ""
	for i, l := range def.SmartLists {
		sc.tagLimit = i
		n, err := compileCond(l.When, sc)
		if err != nil {
			return nil, &RuleError{Source: l.Source, Rule: fmt.Sprintf("smart list %q: when", l.Tag), Err: err}
		}
		p.lists = append(p.lists, n)
	}
	sc.tagLimit = len(def.SmartLists)
	for i, r := range def.StatusRules {
		n, err := compileCond(r.When, sc)
		if err != nil {
			return nil, &RuleError{Source: r.Source, Rule: fmt.Sprintf("status rule %d (%q): when", i+1, r.Value), Err: err}
		}
		p.rules = append(p.rules, n)
		p.status = append(p.status, nonEmpty(r.Value))
	}
	if def.Otherwise != nil && !def.OtherwiseKeep {
		p.other = nonEmpty(*def.Otherwise)
	}
	for _, l := range def.SmartLists {
		tag := l.Tag
		p.single = append(p.single, []string{tag})
		p.tagPtr = append(p.tagPtr, &tag)
	}
	p.pool.New = func() any { return p.newState() }
	return p, nil
}

// compileCond compiles a condition: its value must be a bool.
func compileCond(src string, sc *scope) (cnode, error) {
	n, err := compileExpr(src, sc)
	if err != nil {
		return n, err
	}
	if n.k != kBool && n.k != kAny {
		return n, fmt.Errorf("a condition must be a bool (true or false), not a %s", n.k)
	}
	n.test = testOf(n)
	return n, nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func fieldKind(t FieldType) kind {
	switch t {
	case TypeNumber:
		return kNum
	case TypeBool:
		return kBool
	case TypeDate, TypeDateTime:
		return kDate
	}
	return kStr
}

// check validates everything but the expressions.
func (p *Pack) check() error {
	def := p.def
	names := map[string]string{} // name -> what defines it
	apis := map[string]string{}
	for _, f := range def.Fields {
		if err := CheckName(f.Name); err != nil {
			return fmt.Errorf("field %s: %w", f.Name, err)
		}
		if names[f.Name] != "" {
			return fmt.Errorf("field %s: defined twice", f.Name)
		}
		if f.APIName == "" {
			return fmt.Errorf("field %s: no API name", f.Name)
		}
		if f.Type < TypeString || f.Type > TypeDateTime {
			return fmt.Errorf("field %s: unknown type %v", f.Name, f.Type)
		}
		low := strings.ToLower(f.APIName)
		if other := apis[low]; other != "" {
			return fmt.Errorf("field %s: %s is already mapped as %s", f.Name, f.APIName, other)
		}
		apis[low] = f.Name
		names[f.Name] = "field"
	}
	for _, out := range []struct{ what, api string }{{"tags", def.TagsField}, {"status", def.StatusField}} {
		if out.api == "" {
			return fmt.Errorf("no %s field", out.what)
		}
		if name := apis[strings.ToLower(out.api)]; name != "" {
			return fmt.Errorf("%s field %s is also mapped as the input %s", out.what, out.api, name)
		}
	}
	if strings.EqualFold(def.TagsField, def.StatusField) {
		return fmt.Errorf("the tags field and the status field are both %s", def.TagsField)
	}
	for _, r := range def.Derived {
		var err error
		switch {
		case names[r.Name] != "":
			err = fmt.Errorf("%s shadows the %s of the same name", r.Name, names[r.Name])
		case strings.TrimSpace(r.Expr) == "":
			err = errors.New("empty expression")
		default:
			err = CheckName(r.Name)
		}
		if err != nil {
			return &RuleError{Source: r.Source, Rule: "derived " + r.Name, Err: err}
		}
		names[r.Name] = "derived value"
	}
	if strings.TrimSpace(def.Separator) == "" {
		return errors.New("the tags separator is empty or white space")
	}
	for i, l := range def.SmartLists {
		var err error
		switch {
		case l.Tag == "":
			err = errors.New("empty tag")
		case strings.TrimSpace(l.Tag) != l.Tag:
			err = errors.New("the tag has leading or trailing white space")
		case strings.Contains(l.Tag, def.Separator):
			err = fmt.Errorf("the tag contains the separator %q", def.Separator)
		case strings.TrimSpace(l.When) == "":
			err = errors.New("empty when")
		}
		if j, dup := p.tagIndex[l.Tag]; dup && err == nil {
			err = fmt.Errorf("duplicate tag (smart list %d has it too)", j+1)
		}
		if err != nil {
			return &RuleError{Source: l.Source, Rule: fmt.Sprintf("smart list %d %q", i+1, l.Tag), Err: err}
		}
		p.tagIndex[l.Tag] = i
	}
	for i, r := range def.StatusRules {
		if strings.TrimSpace(r.When) == "" {
			return &RuleError{Source: r.Source, Rule: fmt.Sprintf("status rule %d", i+1), Err: errors.New("empty when")}
		}
	}
	if def.TagsMaxLen < 0 {
		return fmt.Errorf("tags max length %d is negative", def.TagsMaxLen)
	}
	return nil
}

// Definition returns the definition p was compiled from.
func (p *Pack) Definition() Definition { return p.def }

// ManagedTags returns the tags the smart lists define, in smart-list order.
func (p *Pack) ManagedTags() []string {
	out := make([]string, len(p.def.SmartLists))
	for i, l := range p.def.SmartLists {
		out[i] = l.Tag
	}
	return out
}

// IsManaged reports whether tag is one of the pack's managed tags.
func (p *Pack) IsManaged(tag string) bool {
	_, ok := p.tagIndex[tag]
	return ok
}

// StatusValues returns every non-empty value a status rule or otherwise can
// produce, in rule order, each once.
func (p *Pack) StatusValues() []string {
	var out []string
	seen := map[string]bool{}
	add := func(v *string) {
		if v != nil && !seen[*v] {
			seen[*v] = true
			out = append(out, *v)
		}
	}
	for _, v := range p.status {
		add(v)
	}
	add(p.other)
	return out
}
