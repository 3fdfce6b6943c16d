package mapping

import (
	"regexp"

	"github.com/expr-lang/expr/ast"
)

// The binary operators whose compilation stands on its own: arithmetic
// kinds, equality, ordering, in and matches. The compiler that dispatches
// to them is in lang.go.

// arithKind returns the kind of l op r, and false when they never combine.
func arithKind(op string, l, r kind) (kind, bool) {
	switch {
	case l == kNil || r == kNil:
		return kNil, false
	case l == kAny || r == kAny:
		return kAny, true
	case l == kNum && r == kNum:
		return kNum, true
	case op == "+" && l == kStr && r == kStr:
		return kStr, true
	case (op == "+" || op == "-") && l == kDate && r == kNum, op == "+" && l == kNum && r == kDate:
		return kDate, true
	case op == "-" && l == kDate && r == kDate:
		return kNum, true
	}
	return 0, false
}

// equality compiles == (or != when negate).
func equality(negate bool, l, r cnode) cnode {
	if l.konst && !r.konst {
		l, r = r, l
	}
	lf := l.fn
	var fn testFn
	switch {
	case r.konst && r.v.k == kNil:
		fn = func(f *frame) bool { return (lf(f).k == kNil) != negate }
	case r.konst && r.v.k == kStr:
		s := r.v.s
		fn = func(f *frame) bool {
			v := lf(f)
			return (v.k == kStr && v.s == s) != negate
		}
	case r.konst && r.v.k == kNum:
		x := r.v.n
		fn = func(f *frame) bool {
			v := lf(f)
			return (v.k == kNum && v.n == x) != negate
		}
	default:
		rf := r.fn
		fn = func(f *frame) bool { return equal(lf(f), rf(f)) != negate }
	}
	return boolNode(fn)
}

// ordering compiles <, <=, > and >=: false unless both sides are values of
// the same orderable kind.
func ordering(op string, l, r cnode) cnode {
	lf, rf := l.fn, r.fn
	if r.konst && r.v.k == kNum {
		x := r.v.n
		var fn testFn
		switch op {
		case "<":
			fn = func(f *frame) bool { v := lf(f); return v.k == kNum && v.n < x }
		case "<=":
			fn = func(f *frame) bool { v := lf(f); return v.k == kNum && v.n <= x }
		case ">":
			fn = func(f *frame) bool { v := lf(f); return v.k == kNum && v.n > x }
		default:
			fn = func(f *frame) bool { v := lf(f); return v.k == kNum && v.n >= x }
		}
		return boolNode(fn)
	}
	var fn testFn
	switch op {
	case "<":
		fn = func(f *frame) bool { c, ok := compare(lf(f), rf(f)); return ok && c < 0 }
	case "<=":
		fn = func(f *frame) bool { c, ok := compare(lf(f), rf(f)); return ok && c <= 0 }
	case ">":
		fn = func(f *frame) bool { c, ok := compare(lf(f), rf(f)); return ok && c > 0 }
	default:
		fn = func(f *frame) bool { c, ok := compare(lf(f), rf(f)); return ok && c >= 0 }
	}
	return boolNode(fn)
}

func (c *compiler) in(n *ast.BinaryNode) cnode {
	arr, ok := n.Right.(*ast.ArrayNode)
	if !ok {
		return c.fail(n.Right, "in needs a list in brackets, like health in [\"Good\", \"Average\"]")
	}
	l := c.node(n.Left)
	items := make([]cnode, len(arr.Nodes))
	all := []cnode{l}
	for i, e := range arr.Nodes {
		items[i] = c.node(e)
		if k := items[i].k; l.k != kAny && k != kAny && k != kNil && l.k != kNil && k != l.k {
			return c.fail(e, "invalid operation: in: a %s is never equal to a %s", l.k, k)
		}
		all = append(all, items[i])
	}
	lf := l.fn
	fns := make([]evalFn, len(items))
	for i, it := range items {
		fns[i] = it.fn
	}
	return c.fold(boolNode(func(f *frame) bool {
		v := lf(f)
		for _, fn := range fns {
			if equal(v, fn(f)) {
				return true
			}
		}
		return false
	}), all...)
}

func (c *compiler) matches(n *ast.BinaryNode) cnode {
	l := c.node(n.Left)
	s, ok := n.Right.(*ast.StringNode)
	if !ok {
		return c.fail(n.Right, "matches needs a regular expression in quotes")
	}
	if l.k != kStr && l.k != kAny {
		return c.fail(n.Left, "invalid operation: matches on a %s (it takes a string)", l.k)
	}
	re, err := regexp.Compile(s.Value)
	if err != nil {
		return c.fail(n.Right, "bad regular expression: %v", err)
	}
	lf := l.fn
	return c.fold(boolNode(func(f *frame) bool {
		v := lf(f)
		return v.k == kStr && re.MatchString(v.s)
	}), l)
}
