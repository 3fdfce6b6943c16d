package mapping

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
)

// The functions rules can call. Every one returns nil for a nil argument.
const functionList = "days_since, days_until, next_anniversary, has_tag, date, " +
	"abs, ceil, floor, round, min, max, len, lower, upper, trim"

// call compiles the rule language's own functions.
func (c *compiler) call(n *ast.CallNode) cnode {
	id, ok := n.Callee.(*ast.IdentifierNode)
	if !ok {
		return c.fail(n, "%s is not supported in rules", n.String())
	}
	switch id.Value {
	case "days_since", "days_until", "next_anniversary":
		return c.dateFunc(n, id.Value)
	case "has_tag":
		return c.hasTag(n)
	}
	return c.fail(n, "unknown function %s (rules can call %s)", id.Value, functionList)
}

func (c *compiler) args(n ast.Node, name string, args []ast.Node, want int) []cnode {
	if len(args) != want {
		c.fail(n, "%s takes %d argument(s), got %d", name, want, len(args))
		return nil
	}
	out := make([]cnode, len(args))
	for i, a := range args {
		out[i] = c.node(a)
	}
	return out
}

// dateFunc compiles days_since(d), days_until(d) and next_anniversary(d).
func (c *compiler) dateFunc(n *ast.CallNode, name string) cnode {
	a := c.args(n, name, n.Arguments, 1)
	if a == nil {
		return konst(nilValue)
	}
	if a[0].k != kDate && a[0].k != kAny {
		return c.fail(n.Arguments[0], "%s takes a date, not a %s", name, a[0].k)
	}
	af := a[0].fn
	switch name {
	case "days_since":
		return cnode{fn: func(f *frame) value {
			v := af(f)
			if v.k != kDate {
				return nilValue
			}
			return numValue(float64(f.today.Sub(v.d)))
		}, k: kNum}
	case "days_until":
		return cnode{fn: func(f *frame) value {
			v := af(f)
			if v.k != kDate {
				return nilValue
			}
			return numValue(float64(v.d.Sub(f.today)))
		}, k: kNum}
	}
	return cnode{fn: func(f *frame) value {
		v := af(f)
		if v.k != kDate {
			return nilValue
		}
		return dateValue(v.d.NextAnniversary(f.today))
	}, k: kDate}
}

// hasTag compiles has_tag("Tag"): whether an earlier smart list matched.
func (c *compiler) hasTag(n *ast.CallNode) cnode {
	if len(n.Arguments) != 1 {
		return c.fail(n, "has_tag takes one tag name")
	}
	s, ok := n.Arguments[0].(*ast.StringNode)
	if !ok {
		return c.fail(n.Arguments[0], "has_tag needs a tag name in quotes, like has_tag(\"Core-Good\")")
	}
	i, ok := c.sc.tags[s.Value]
	switch {
	case !ok:
		return c.fail(n, "has_tag(%q): no smart list defines that tag", s.Value)
	case c.sc.tagLimit == 0 && c.sc.tagWhere != "":
		return c.fail(n, "has_tag is not available in %s", c.sc.tagWhere)
	case i >= c.sc.tagLimit:
		return c.fail(n, "has_tag(%q): that smart list is not before this one (has_tag sees only the smart lists before it)", s.Value)
	}
	return boolNode(func(f *frame) bool { return f.tags[i] })
}

// builtin compiles the expr builtins rules may use.
func (c *compiler) builtin(n *ast.BuiltinNode) cnode {
	switch n.Name {
	case "date":
		return c.date(n)
	case "abs", "ceil", "floor", "round":
		a := c.args(n, n.Name, n.Arguments, 1)
		if a == nil {
			return konst(nilValue)
		}
		if a[0].k != kNum && a[0].k != kAny {
			return c.fail(n.Arguments[0], "%s takes a number, not a %s", n.Name, a[0].k)
		}
		op := map[string]func(float64) float64{"abs": math.Abs, "ceil": math.Ceil, "floor": math.Floor, "round": math.Round}[n.Name]
		af := a[0].fn
		return c.fold(cnode{fn: func(f *frame) value {
			v := af(f)
			if v.k != kNum {
				return nilValue
			}
			return numValue(op(v.n))
		}, k: kNum}, a...)
	case "min", "max":
		if len(n.Arguments) < 2 {
			return c.fail(n, "%s takes two or more numbers", n.Name)
		}
		a := c.args(n, n.Name, n.Arguments, len(n.Arguments))
		fns := make([]evalFn, len(a))
		for i, x := range a {
			if x.k != kNum && x.k != kAny {
				return c.fail(n.Arguments[i], "%s takes numbers, not a %s", n.Name, x.k)
			}
			fns[i] = x.fn
		}
		isMax := n.Name == "max"
		return c.fold(cnode{fn: func(f *frame) value {
			var r value
			for i, fn := range fns {
				v := fn(f)
				if v.k != kNum {
					return nilValue
				}
				if i == 0 || isMax && v.n > r.n || !isMax && v.n < r.n {
					r = v
				}
			}
			return r
		}, k: kNum}, a...)
	case "len", "lower", "upper", "trim":
		a := c.args(n, n.Name, n.Arguments, 1)
		if a == nil {
			return konst(nilValue)
		}
		if a[0].k != kStr && a[0].k != kAny {
			return c.fail(n.Arguments[0], "%s takes a string, not a %s", n.Name, a[0].k)
		}
		af := a[0].fn
		if n.Name == "len" {
			return c.fold(cnode{fn: func(f *frame) value {
				v := af(f)
				if v.k != kStr {
					return nilValue
				}
				return numValue(float64(utf8.RuneCountInString(v.s)))
			}, k: kNum}, a...)
		}
		op := map[string]func(string) string{"lower": strings.ToLower, "upper": strings.ToUpper, "trim": strings.TrimSpace}[n.Name]
		return c.fold(cnode{fn: func(f *frame) value {
			v := af(f)
			if v.k != kStr {
				return nilValue
			}
			return strValue(op(v.s))
		}, k: kStr}, a...)
	case "now":
		return c.fail(n, "now() is not available: rules see the as-of date as today")
	}
	return c.fail(n, "function %s is not supported in rules (rules can call %s)", n.Name, functionList)
}

// date compiles date("2024-03-01"), a calendar date.
func (c *compiler) date(n *ast.BuiltinNode) cnode {
	a := c.args(n, "date", n.Arguments, 1)
	if a == nil {
		return konst(nilValue)
	}
	if a[0].k != kStr && a[0].k != kAny {
		return c.fail(n.Arguments[0], "date takes a string like \"2024-03-01\", not a %s", a[0].k)
	}
	if a[0].konst {
		d, err := ParseDate(a[0].v.s)
		if err != nil {
			return c.fail(n.Arguments[0], "%v", err)
		}
		return konst(dateValue(d))
	}
	af := a[0].fn
	return cnode{fn: func(f *frame) value {
		v := af(f)
		if v.k != kStr {
			return nilValue
		}
		d, err := ParseDate(v.s)
		if err != nil {
			return nilValue
		}
		return dateValue(d)
	}, k: kDate}
}
