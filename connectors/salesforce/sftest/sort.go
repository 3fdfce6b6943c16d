package sftest

import (
	"cmp"
	"math"
	"slices"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest/soql"
)

// Sorting a million rows through soql.Plan.Less, which boxes every value it
// reads, takes seconds. sortRows therefore learns the ORDER BY keys from the
// plan itself (which fields Less reads, in which direction, where nulls go)
// and compares the typed columns directly; the result is the order
// Plan.Less defines (TestFastSortMatchesPlanLess checks that). When the
// probe cannot read a key it falls back to Plan.Less.

// sortKey is one ORDER BY key over a column.
type sortKey struct {
	fi         int
	kind       kind
	id         bool // the Id column: row order
	desc       bool
	nullsFirst bool
}

// sortRows sorts rows by plan's ORDER BY, ties in row (Id) order.
func sortRows(t *table, plan *soql.Plan, rows []int32, idx map[string]int) {
	keys, ok := probeOrder(t, plan, idx)
	if !ok {
		slowSort(t, plan, rows, idx)
		return
	}
	if len(keys) == 0 {
		return
	}
	// Row order breaks ties, which makes the order total: an unstable sort
	// gives the stable result.
	slices.SortFunc(rows, func(x, y int32) int {
		for _, k := range keys {
			if c := k.compare(t, int(x), int(y)); c != 0 {
				return c
			}
		}
		return cmp.Compare(x, y)
	})
}

// slowSort sorts with Plan.Less.
func slowSort(t *table, plan *soql.Plan, rows []int32, idx map[string]int) {
	var a, b int
	getA := func(field string) any { return t.queryValue(a, idx[field]) }
	getB := func(field string) any { return t.queryValue(b, idx[field]) }
	slices.SortStableFunc(rows, func(x, y int32) int {
		a, b = int(x), int(y)
		if plan.Less(getA, getB) {
			return -1
		}
		if plan.Less(getB, getA) {
			return 1
		}
		return 0
	})
}

// probeOrder discovers the ORDER BY keys of plan: with every value null
// Less reads each key's field once per side and finds no difference; then,
// key by key, two records that differ only there tell the direction, and a
// null against a value tells where nulls sort.
func probeOrder(t *table, plan *soql.Plan, idx map[string]int) ([]sortKey, bool) {
	var fields []string
	record := func(f string) any { fields = append(fields, f); return nil }
	plan.Less(record, record)
	if len(fields)%2 != 0 {
		return nil, false
	}
	var keys []sortKey
	for i := 0; i < len(fields); i += 2 {
		name := fields[i]
		fi, ok := idx[name]
		if !ok || fields[i+1] != name {
			return nil, false
		}
		f := t.obj.Fields[fi]
		lo, hi, ok := probeValues(f.kind)
		if !ok {
			return nil, false
		}
		at := func(v any) func(string) any {
			return func(field string) any {
				if field == name {
					return v
				}
				return nil
			}
		}
		asc, desc := plan.Less(at(lo), at(hi)), plan.Less(at(hi), at(lo))
		if asc == desc {
			return nil, false
		}
		k := sortKey{fi: fi, kind: f.kind, id: fi == 0, desc: desc}
		if f.kind != kBool {
			k.nullsFirst = plan.Less(at(nil), at(lo))
			if k.nullsFirst == plan.Less(at(lo), at(nil)) {
				return nil, false
			}
		}
		keys = append(keys, k)
	}
	return keys, true
}

// probeValues returns two values of kind k, the first sorting first.
func probeValues(k kind) (lo, hi any, ok bool) {
	switch k {
	case kString:
		return "A", "B", true
	case kID:
		return "001000000000001", "001000000000002", true
	case kNumber:
		return 1.0, 2.0, true
	case kBool:
		return false, true, true
	case kDate, kDateTime:
		return time.Unix(0, 0).UTC(), time.Unix(86400, 0).UTC(), true
	}
	return nil, nil, false
}

// compare orders rows x and y by the key.
func (k sortKey) compare(t *table, x, y int) int {
	if k.id {
		return k.dir(cmp.Compare(x, y))
	}
	c := &t.cols[k.fi]
	var nx, ny bool // null
	var r int
	switch k.kind {
	case kNumber:
		a, b := c.f[x], c.f[y]
		nx, ny = math.IsNaN(a), math.IsNaN(b)
		r = cmp.Compare(a, b)
	case kBool:
		a, b := c.b[x], c.b[y]
		switch {
		case a == b:
		case !a:
			r = -1
		default:
			r = 1
		}
	case kDate:
		a, b := c.i[x], c.i[y]
		nx, ny = a == nullDay, b == nullDay
		r = cmp.Compare(a, b)
	case kDateTime:
		a, b := c.i[x], c.i[y]
		nx, ny = a == nullMillis, b == nullMillis
		r = cmp.Compare(a, b)
	case kID:
		a, b := c.s[x], c.s[y]
		nx, ny = a == "", b == ""
		r = cmp.Compare(idPrefix(a), idPrefix(b))
	default:
		a, b := c.s[x], c.s[y]
		nx, ny = a == "", b == ""
		r = compareFold(a, b)
	}
	switch {
	case nx && ny:
		return 0
	case nx:
		if k.nullsFirst {
			return -1
		}
		return 1
	case ny:
		if k.nullsFirst {
			return 1
		}
		return -1
	}
	return k.dir(r)
}

func (k sortKey) dir(r int) int {
	if k.desc {
		return -r
	}
	return r
}

// idPrefix is the case-sensitive 15-character part of an ID, which IDs
// compare by.
func idPrefix(s string) string {
	if len(s) == 18 {
		return s[:15]
	}
	return s
}

// compareFold compares a and b as strings.Compare(strings.ToUpper(a),
// strings.ToUpper(b)) does, without allocating: "Sorting is case
// insensitive" (ORDER BY, SOQL and SOSL Reference).
func compareFold(a, b string) int {
	for a != "" && b != "" {
		ca, cb := a[0], b[0]
		if ca < utf8.RuneSelf && cb < utf8.RuneSelf {
			if 'a' <= ca && ca <= 'z' {
				ca -= 'a' - 'A'
			}
			if 'a' <= cb && cb <= 'z' {
				cb -= 'a' - 'A'
			}
			if ca != cb {
				return cmp.Compare(ca, cb)
			}
			a, b = a[1:], b[1:]
			continue
		}
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		ra, rb = unicode.ToUpper(ra), unicode.ToUpper(rb)
		if ra != rb {
			return cmp.Compare(ra, rb)
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}
