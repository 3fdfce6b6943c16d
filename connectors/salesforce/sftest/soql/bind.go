package soql

import (
	"strings"
	"time"
)

// Plan is a query bound to a schema and a day: names resolved, literals
// typed, date literals fixed. It is safe for concurrent use.
type Plan struct {
	Object string   // canonical object name
	Fields []string // canonical field names, in SELECT order; empty for COUNT()
	Count  bool     // SELECT COUNT()
	Limit  int      // -1: no LIMIT

	where predicate // nil: every record
	order []orderKey
	q     *Query // for Filter
	s     Schema
	today int
}

type orderKey struct {
	field      string
	t          Type
	desc       bool
	nullsFirst bool
}

// predicate reports whether a record (read through get) satisfies a
// condition.
type predicate func(get func(string) any) bool

// invalidField words an unknown field as Salesforce does. No reference page
// spells the text out; it is copied from INVALID_FIELD faults that orgs
// return, as quoted for example in MuleSoft's Salesforce template READMEs
// ("ERROR at Row:1:Column:486\nNo such column 'RecordTypeId' on entity
// 'Account'. If you are attempting to use a custom field, ...").
const invalidField = "No such column '%s' on entity '%s'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."

// invalidType words an unknown object as Salesforce does (INVALID_TYPE,
// "sObject type 'X' is not supported.", as orgs return it).
const invalidType = "sObject type '%s' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."

// Bind resolves the object (INVALID_TYPE) and every field (INVALID_FIELD)
// against s, checks each literal against its field's type (INVALID_FIELD, as
// Salesforce reports "value of filter criterion for field 'X' must be of type
// date and should not be enclosed in quotes"), and fixes the date literals
// (TODAY, LAST_N_DAYS:n, ...) relative to the UTC calendar date of today.
func (q *Query) Bind(s Schema, today time.Time) (*Plan, error) {
	obj, ok := s.Object(q.Object)
	if !ok {
		return nil, newError(q.src, q.objPos, CodeInvalidType, invalidType, q.Object)
	}
	b := &binder{q: q, s: s, obj: obj, today: dayNumber(today.UTC().Date())}
	p := &Plan{Object: obj, Count: q.Count, Limit: q.Limit, q: q, s: s, today: b.today}
	seen := map[string]bool{}
	for i, f := range q.Fields {
		name, _, err := b.field(f, q.fieldPos[i])
		if err != nil {
			return nil, err
		}
		if seen[name] {
			return nil, newError(q.src, q.fieldPos[i], CodeMalformedQuery, "duplicate field selected: %s", name)
		}
		seen[name] = true
		p.Fields = append(p.Fields, name)
	}
	if q.where != nil {
		w, err := b.node(q.where)
		if err != nil {
			return nil, err
		}
		p.where = w
	}
	for _, it := range q.orderBy {
		name, t, err := b.field(it.field, it.pos)
		if err != nil {
			return nil, err
		}
		p.order = append(p.order, orderKey{field: name, t: t, desc: it.desc, nullsFirst: it.nullsFirst})
	}
	return p, nil
}

type binder struct {
	q     *Query
	s     Schema
	obj   string
	today int
}

func (b *binder) field(name string, pos int) (string, Type, error) {
	canon, t, ok := b.s.Field(b.obj, name)
	if !ok {
		return "", 0, newError(b.q.src, pos, CodeInvalidField, invalidField, name, b.obj)
	}
	return canon, t, nil
}

func (b *binder) node(n node) (predicate, error) {
	switch n := n.(type) {
	case *logicNode:
		kids := make([]predicate, len(n.kids))
		for i, k := range n.kids {
			p, err := b.node(k)
			if err != nil {
				return nil, err
			}
			kids[i] = p
		}
		if n.and {
			return func(get func(string) any) bool {
				for _, k := range kids {
					if !k(get) {
						return false
					}
				}
				return true
			}, nil
		}
		return func(get func(string) any) bool {
			for _, k := range kids {
				if k(get) {
					return true
				}
			}
			return false
		}, nil
	case *notNode:
		kid, err := b.node(n.kid)
		if err != nil {
			return nil, err
		}
		return func(get func(string) any) bool { return !kid(get) }, nil
	case *cmpNode:
		return b.comparison(n)
	}
	return nil, newError(b.q.src, 0, CodeMalformedQuery, "unsupported condition")
}

func (b *binder) comparison(c *cmpNode) (predicate, error) {
	name, t, err := b.field(c.field, c.pos)
	if err != nil {
		return nil, err
	}
	if c.op == "LIKE" {
		// "The LIKE operator is supported for string fields only."
		// (Comparison Operators, SOQL and SOSL Reference).
		if t != String {
			return nil, newError(b.q.src, c.pos, CodeInvalidFilterOperator, "invalid operator on %s field: LIKE", t)
		}
		re := c.like.re
		return func(get func(string) any) bool {
			s, ok := get(name).(string)
			return ok && re.MatchString(s)
		}, nil
	}
	ivs := make([]interval, len(c.vals))
	for i, l := range c.vals {
		iv, err := b.interval(name, t, l)
		if err != nil {
			return nil, err
		}
		ivs[i] = iv
	}
	e := &comparison{field: name, t: t, op: c.op, ivs: ivs}
	return e.match, nil
}

// interval converts a literal to the set of field values it stands for,
// checking its type against the field's type t.
func (b *binder) interval(field string, t Type, l literal) (interval, error) {
	if l.kind == litNull {
		if t == Boolean {
			// "If you run a query on a boolean field, null matches FALSE
			// values." (Use null in WHERE, SOQL and SOSL Reference,
			// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_null.htm)
			return point(false), nil
		}
		return interval{null: true}, nil
	}
	switch {
	case t == String && l.kind == litString:
		return point(strings.ToUpper(l.str)), nil
	case t == ID && l.kind == litString:
		if !validID(l.str) {
			return interval{}, newError(b.q.src, l.pos, CodeInvalidFilterOperator, "invalid ID field: %s", l.str)
		}
		return point(idKey(l.str)), nil
	case t == Number && l.kind == litNumber:
		return point(l.num), nil
	case t == Boolean && l.kind == litBool:
		return point(l.b), nil
	case t == Date && l.kind == litDate:
		return point(l.day), nil
	case t == Date && l.kind == litRange:
		return interval{lo: b.today + l.rng.from, hi: b.today + l.rng.to}, nil
	case t == DateTime && l.kind == litDateTime:
		return point(l.t), nil
	case t == DateTime && l.kind == litRange:
		// A date literal against a dateTime field covers its days from
		// 00:00:00 (UTC here, the emulator's only time zone) for 24 hours
		// each (Date Formats and Date Literals in WHERE).
		lo := dayStart(b.today + l.rng.from)
		hi := dayStart(b.today + l.rng.to + 1).Add(-time.Nanosecond)
		return interval{lo: lo, hi: hi}, nil
	}
	// A date value filters date fields only and a dateTime value dateTime
	// fields only ("If you specify a dateTime format in a query, you can
	// filter only on dateTime fields. Similarly, if you specify a date format
	// value, you can filter only on date fields." -- Date Formats and Date
	// Literals, SOQL and SOSL Reference, API v41.0); strings must be quoted
	// and nothing else may be.
	quoted := "should not be enclosed in quotes"
	if t == String || t == ID {
		quoted = "should be enclosed in quotes"
	}
	return interval{}, newError(b.q.src, l.pos, CodeInvalidField,
		"value of filter criterion for field '%s' must be of type %s and %s", field, t, quoted)
}

// validID reports whether s has the shape of a Salesforce id: 15 or 18
// alphanumeric characters.
func validID(s string) bool {
	if len(s) != 15 && len(s) != 18 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIdentPart(s[i]) || s[i] == '_' {
			return false
		}
	}
	return true
}

// idKey is the case-sensitive 15-character form of an id, which is what two
// ids are compared by.
func idKey(s string) string {
	if len(s) == 18 {
		return s[:15]
	}
	return s
}
