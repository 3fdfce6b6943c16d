package soql

import (
	"cmp"
	"strings"
	"time"
)

// interval is the set of field values a literal stands for: one value
// (lo == hi), the days or instants of a date literal (lo..hi inclusive), or
// null. Keys are normalised values (see key).
type interval struct {
	null   bool
	lo, hi any
}

func point(v any) interval { return interval{lo: v, hi: v} }

// comparison is a bound fieldExpression. With an interval, the operators
// follow "Date Formats and Date Literals in WHERE": "=" finds values within
// the range, "<" and ">" values on either side of it; "<=" and ">=" include
// the range. For a single value they are the ordinary comparisons.
type comparison struct {
	field string
	t     Type
	op    string
	ivs   []interval
}

// match evaluates the comparison on a record. A null field value satisfies
// only "= null" (and "!= null" is satisfied by every non-null value); every
// other comparison involving null is false, including "!=" and NOT IN.
func (c *comparison) match(get func(string) any) bool {
	v, ok := key(c.t, get(c.field))
	switch c.op {
	case "=":
		return equal(ok, v, c.ivs[0])
	case "!=":
		iv := c.ivs[0]
		if iv.null {
			return ok
		}
		return ok && !within(v, iv)
	case "IN":
		for _, iv := range c.ivs {
			if equal(ok, v, iv) {
				return true
			}
		}
		return false
	case "NOT IN":
		if !ok {
			return false
		}
		for _, iv := range c.ivs {
			if equal(ok, v, iv) {
				return false
			}
		}
		return true
	}
	iv := c.ivs[0]
	if !ok || iv.null {
		return false
	}
	switch c.op {
	case "<":
		return compare(v, iv.lo) < 0
	case "<=":
		return compare(v, iv.hi) <= 0
	case ">":
		return compare(v, iv.hi) > 0
	case ">=":
		return compare(v, iv.lo) >= 0
	}
	return false
}

func equal(ok bool, v any, iv interval) bool {
	if iv.null {
		return !ok
	}
	return ok && within(v, iv)
}

func within(v any, iv interval) bool { return compare(v, iv.lo) >= 0 && compare(v, iv.hi) <= 0 }

// key normalises a stored value of a field of type t for comparison, and
// reports false for null (or a value of the wrong Go type, which is treated
// as null). Strings compare case-insensitively: "String comparisons using
// the equals operator are case-insensitive" (Comparison Operators, SOQL and
// SOSL Reference,
// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_comparisonoperators.htm),
// and ORDER BY "Sorting is case insensitive" (ORDER BY, same reference).
func key(t Type, v any) (any, bool) {
	switch t {
	case String:
		s, ok := v.(string)
		return strings.ToUpper(s), ok
	case ID:
		s, ok := v.(string)
		return idKey(s), ok
	case Number:
		switch n := v.(type) {
		case float64:
			return n, true
		case int:
			return float64(n), true
		case int64:
			return float64(n), true
		}
	case Boolean:
		// A checkbox is never null: null matches FALSE (Use null in WHERE).
		b, _ := v.(bool)
		return b, true
	case Date:
		switch d := v.(type) {
		case string:
			return parseDay(d)
		case time.Time:
			return dayNumber(d.UTC().Date()), true
		}
	case DateTime:
		switch d := v.(type) {
		case time.Time:
			return d, true
		case string:
			return parseStoredDateTime(d)
		}
	}
	return nil, false
}

// parseStoredDateTime accepts a dateTime in Salesforce's JSON format
// (2024-03-01T12:00:00.000+0000) or RFC 3339.
func parseStoredDateTime(s string) (any, bool) {
	for _, layout := range []string{"2006-01-02T15:04:05.000-0700", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return nil, false
}

// compare orders two keys of the same field type; keys of different kinds
// (which bind never produces) compare equal.
func compare(a, b any) int {
	switch a := a.(type) {
	case string:
		if b, ok := b.(string); ok {
			return strings.Compare(a, b)
		}
	case float64:
		if b, ok := b.(float64); ok {
			return cmp.Compare(a, b)
		}
	case int:
		if b, ok := b.(int); ok {
			return cmp.Compare(a, b)
		}
	case bool:
		if b, ok := b.(bool); ok {
			switch {
			case a == b:
				return 0
			case !a:
				return -1
			}
			return 1
		}
	case time.Time:
		if b, ok := b.(time.Time); ok {
			return a.Compare(b)
		}
	}
	return 0
}

// Match reports whether the record read through get satisfies the WHERE
// clause. get returns a stored value by canonical field name: string (text,
// picklist, id), float64 (number), bool, nil, "2006-01-02" for a date and
// time.Time for a dateTime.
func (p *Plan) Match(get func(field string) any) bool {
	return p.where == nil || p.where(get)
}

// Less reports whether record a sorts before record b under ORDER BY. Records
// that no key separates are equal; breaking ties (by Id) is the caller's.
// With no ORDER BY, Less is always false.
func (p *Plan) Less(a, b func(field string) any) bool {
	for _, o := range p.order {
		va, oka := key(o.t, a(o.field))
		vb, okb := key(o.t, b(o.field))
		switch {
		case !oka && !okb:
			continue
		case !oka:
			return o.nullsFirst
		case !okb:
			return !o.nullsFirst
		}
		c := compare(va, vb)
		if o.desc {
			c = -c
		}
		if c != 0 {
			return c < 0
		}
	}
	return false
}
