package mapping

import (
	"math"
	"strconv"
	"strings"
)

// kind is the kind of a rule value. As a static type, kAny means "only
// known when the rule runs"; every static type also admits nil, because any
// field may be empty.
type kind uint8

const (
	kNil kind = iota
	kBool
	kNum
	kStr
	kDate
	kAny
)

func (k kind) String() string {
	switch k {
	case kNil:
		return "nil"
	case kBool:
		return "bool"
	case kNum:
		return "number"
	case kStr:
		return "string"
	case kDate:
		return "date"
	}
	return "value of any type"
}

// value is one rule value: nil, a bool, a number (float64), a string or a
// Date. It is a plain struct so evaluating rules allocates nothing.
type value struct {
	k kind
	b bool
	d Date
	n float64
	s string
}

var (
	nilValue   = value{}
	trueValue  = value{k: kBool, b: true}
	falseValue = value{k: kBool}
)

func boolValue(b bool) value {
	if b {
		return trueValue
	}
	return falseValue
}

func numValue(n float64) value { return value{k: kNum, n: n} }
func strValue(s string) value  { return value{k: kStr, s: s} }
func dateValue(d Date) value   { return value{k: kDate, d: d} }

// truth is v where a bool is needed: nil (and anything but true) is false.
func (v value) truth() bool { return v.k == kBool && v.b }

// Interface returns v as nil, bool, float64, string or Date.
func (v value) Interface() any {
	switch v.k {
	case kBool:
		return v.b
	case kNum:
		return v.n
	case kStr:
		return v.s
	case kDate:
		return v.d
	}
	return nil
}

// String formats v as a rule would write it: nil, true, 0.25, "Good",
// 2024-03-01.
func (v value) String() string {
	switch v.k {
	case kBool:
		return strconv.FormatBool(v.b)
	case kNum:
		return strconv.FormatFloat(v.n, 'g', -1, 64)
	case kStr:
		return strconv.Quote(v.s)
	case kDate:
		return v.d.String()
	}
	return "nil"
}

// equal is == for rule values: nil equals only nil; values of different
// kinds are never equal.
func equal(a, b value) bool {
	if a.k != b.k {
		return false
	}
	switch a.k {
	case kBool:
		return a.b == b.b
	case kNum:
		return a.n == b.n
	case kStr:
		return a.s == b.s
	case kDate:
		return a.d == b.d
	}
	return true // both nil
}

// compare orders a and b (-1, 0, 1); ok is false when they cannot be
// ordered: either is nil, or they are of different kinds, or bools.
func compare(a, b value) (c int, ok bool) {
	if a.k != b.k {
		return 0, false
	}
	switch a.k {
	case kNum:
		switch {
		case a.n < b.n:
			return -1, true
		case a.n > b.n:
			return 1, true
		case a.n == b.n:
			return 0, true
		}
		return 0, false // NaN
	case kStr:
		return strings.Compare(a.s, b.s), true
	case kDate:
		return a.d.Sub(b.d), true
	}
	return 0, false
}

// arith applies an arithmetic operator. Nil in, nil out; so are kinds that
// do not combine, division by zero and a date moved by a fractional number
// of days.
func arith(op string, a, b value) value {
	switch {
	case a.k == kNum && b.k == kNum:
		return numArith(op, a.n, b.n)
	case a.k == kDate && b.k == kNum && (op == "+" || op == "-"):
		n, ok := wholeDays(b.n)
		if !ok {
			return nilValue
		}
		if op == "-" {
			n = -n
		}
		return dateValue(a.d.AddDays(n))
	case a.k == kNum && b.k == kDate && op == "+":
		n, ok := wholeDays(a.n)
		if !ok {
			return nilValue
		}
		return dateValue(b.d.AddDays(n))
	case a.k == kDate && b.k == kDate && op == "-":
		return numValue(float64(a.d.Sub(b.d)))
	case a.k == kStr && b.k == kStr && op == "+":
		return strValue(a.s + b.s)
	}
	return nilValue
}

// wholeDays converts a number of days to an int when it is whole and within
// the range of dates.
func wholeDays(f float64) (int, bool) {
	if f != math.Trunc(f) || math.Abs(f) > 3_000_000 {
		return 0, false
	}
	return int(f), true
}

func numArith(op string, x, y float64) value {
	var r float64
	switch op {
	case "+":
		r = x + y
	case "-":
		r = x - y
	case "*":
		r = x * y
	case "/":
		if y == 0 {
			return nilValue
		}
		r = x / y
	case "%":
		if y == 0 {
			return nilValue
		}
		r = math.Mod(x, y)
	case "**", "^":
		r = math.Pow(x, y)
	default:
		return nilValue
	}
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return nilValue
	}
	return numValue(r)
}
