package mapping

import (
	"fmt"
	"slices"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
)

// Rule expressions are parsed by expr-lang's parser (so they have expr's
// syntax) and then compiled here into Go closures over a frame of typed
// values. Compiling them ourselves gives the semantics rules need and expr's
// VM does not: a comparison or function involving nil is false or nil, never
// a run-time error, and dates are civil dates. It also makes evaluation
// allocation-free. The supported language is documented in
// config/example.yaml; anything else is a compile error naming the rule.

// evalFn evaluates a compiled expression for the account held in f.
type evalFn func(f *frame) value

// frame holds one account's values while its rules run.
type frame struct {
	vals  []value // the mapped fields, then the derived values
	tags  []bool  // whether each smart list matched
	today Date
}

// testFn evaluates a compiled condition: whether it is true (nil is false).
type testFn func(f *frame) bool

// cnode is a compiled expression: its function, its static kind and, for a
// constant, its value. Nodes that yield a bool also have test, which skips
// building a value (conditions are most of what rules evaluate).
type cnode struct {
	fn    evalFn
	test  testFn
	k     kind
	konst bool
	v     value
}

func konst(v value) cnode {
	t := v.truth()
	return cnode{fn: func(*frame) value { return v }, test: func(*frame) bool { return t }, k: v.k, konst: true, v: v}
}

// boolNode is a bool-valued node computed by test.
func boolNode(test testFn) cnode {
	return cnode{fn: func(f *frame) value { return boolValue(test(f)) }, test: test, k: kBool}
}

// testOf returns n as a condition: true only when n yields true.
func testOf(n cnode) testFn {
	if n.test != nil {
		return n.test
	}
	fn := n.fn
	return func(f *frame) bool { return fn(f).truth() }
}

// scope tells the compiler what one rule may refer to.
type scope struct {
	slots    map[string]int // name -> index in frame.vals
	kinds    []kind         // static kind of each slot
	later    map[string]bool
	tags     map[string]int // managed tag -> smart-list index
	tagLimit int            // has_tag may name smart lists with index < tagLimit
	tagWhere string         // why has_tag is unavailable when tagLimit is 0
}

type compiler struct {
	sc  *scope
	err *file.Error
}

// compileExpr parses and compiles src.
func compileExpr(src string, sc *scope) (cnode, error) {
	tree, err := parser.Parse(src)
	if err != nil {
		return cnode{}, exprError(err, src)
	}
	c := &compiler{sc: sc}
	n := c.node(tree.Node)
	if c.err != nil {
		return cnode{}, exprError(c.err.Bind(file.NewSource(src)), src)
	}
	return n, nil
}

// exprError flattens an expr or compile error to one line with its column.
func exprError(err error, src string) error {
	fe, ok := err.(*file.Error)
	if !ok {
		return err
	}
	if strings.Contains(src, "\n") {
		return fmt.Errorf("%s (line %d, column %d of the expression)", fe.Message, fe.Line, fe.Column+1)
	}
	return fmt.Errorf("%s (column %d)", fe.Message, fe.Column+1)
}

func (c *compiler) fail(n ast.Node, format string, args ...any) cnode {
	if c.err == nil {
		c.err = &file.Error{Location: n.Location(), Message: fmt.Sprintf(format, args...)}
	}
	return konst(nilValue)
}

func (c *compiler) node(n ast.Node) cnode {
	if c.err != nil {
		return konst(nilValue)
	}
	switch n := n.(type) {
	case *ast.NilNode:
		return konst(nilValue)
	case *ast.IntegerNode:
		return konst(numValue(float64(n.Value)))
	case *ast.FloatNode:
		return konst(numValue(n.Value))
	case *ast.BoolNode:
		return konst(boolValue(n.Value))
	case *ast.StringNode:
		return konst(strValue(n.Value))
	case *ast.IdentifierNode:
		return c.ident(n)
	case *ast.UnaryNode:
		return c.unary(n)
	case *ast.BinaryNode:
		return c.binary(n)
	case *ast.ConditionalNode:
		return c.conditional(n)
	case *ast.CallNode:
		return c.call(n)
	case *ast.BuiltinNode:
		return c.builtin(n)
	case *ast.ArrayNode:
		return c.fail(n, "a list is only allowed after in, like health in [\"Good\", \"Average\"]")
	case *ast.MemberNode, *ast.ChainNode:
		return c.fail(n, "field access with . or [] is not supported: values are plain names")
	case *ast.VariableDeclaratorNode:
		return c.fail(n, "let is not supported: define a derived value instead")
	}
	return c.fail(n, "%s is not supported in rules", n.String())
}

func (c *compiler) ident(n *ast.IdentifierNode) cnode {
	if n.Value == "today" {
		return cnode{fn: func(f *frame) value { return dateValue(f.today) }, k: kDate}
	}
	i, ok := c.sc.slots[n.Value]
	if !ok {
		if c.sc.later[n.Value] {
			return c.fail(n, "%s is defined later: a derived value sees only the fields and the derived values before it", n.Value)
		}
		names := make([]string, 0, len(c.sc.slots))
		for name := range c.sc.slots {
			names = append(names, name)
		}
		slices.Sort(names)
		return c.fail(n, "unknown name %s (known: today, %s)", n.Value, strings.Join(names, ", "))
	}
	n2 := cnode{fn: func(f *frame) value { return f.vals[i] }, k: c.sc.kinds[i]}
	if n2.k == kBool || n2.k == kAny {
		n2.test = func(f *frame) bool { v := &f.vals[i]; return v.k == kBool && v.b }
	}
	return n2
}

// boolOperand checks that n can stand where a bool is needed.
func (c *compiler) boolOperand(at ast.Node, n cnode, what string) {
	if n.k != kBool && n.k != kAny {
		c.fail(at, "%s must be a bool (true or false), not a %s", what, n.k)
	}
}

func (c *compiler) unary(n *ast.UnaryNode) cnode {
	x := c.node(n.Node)
	switch n.Operator {
	case "!", "not":
		c.boolOperand(n.Node, x, "the operand of "+n.Operator)
		xt := testOf(x)
		return c.fold(boolNode(func(f *frame) bool { return !xt(f) }), x)
	case "-", "+":
		if x.k != kNum && x.k != kAny {
			return c.fail(n, "invalid operation: %s on a %s", n.Operator, x.k)
		}
		if n.Operator == "+" {
			return x
		}
		xf := x.fn
		return c.fold(cnode{fn: func(f *frame) value {
			v := xf(f)
			if v.k != kNum {
				return nilValue
			}
			return numValue(-v.n)
		}, k: kNum}, x)
	}
	return c.fail(n, "operator %s is not supported in rules", n.Operator)
}

// fold evaluates r at compile time when every operand is a constant.
func (c *compiler) fold(r cnode, operands ...cnode) cnode {
	for _, o := range operands {
		if !o.konst {
			return r
		}
	}
	return konst(r.fn(&frame{}))
}

func unify(a, b kind) kind {
	switch {
	case a == b:
		return a
	case a == kNil:
		return b
	case b == kNil:
		return a
	}
	return kAny
}

func (c *compiler) conditional(n *ast.ConditionalNode) cnode {
	cond, x, y := c.node(n.Cond), c.node(n.Exp1), c.node(n.Exp2)
	c.boolOperand(n.Cond, cond, "the condition")
	if cond.konst {
		if cond.v.truth() {
			return x
		}
		return y
	}
	ct, xf, yf := testOf(cond), x.fn, y.fn
	n2 := cnode{fn: func(f *frame) value {
		if ct(f) {
			return xf(f)
		}
		return yf(f)
	}, k: unify(x.k, y.k)}
	if n2.k == kBool || n2.k == kAny {
		xt, yt := testOf(x), testOf(y)
		n2.test = func(f *frame) bool {
			if ct(f) {
				return xt(f)
			}
			return yt(f)
		}
	}
	return n2
}

func (c *compiler) binary(n *ast.BinaryNode) cnode {
	switch n.Operator {
	case "in":
		return c.in(n)
	case "matches":
		return c.matches(n)
	}
	l, r := c.node(n.Left), c.node(n.Right)
	if c.err != nil {
		return konst(nilValue)
	}
	lf, rf := l.fn, r.fn
	switch op := n.Operator; op {
	case "&&", "and":
		c.boolOperand(n.Left, l, "an operand of "+op)
		c.boolOperand(n.Right, r, "an operand of "+op)
		lt, rt := testOf(l), testOf(r)
		return c.fold(boolNode(func(f *frame) bool { return lt(f) && rt(f) }), l, r)
	case "||", "or":
		c.boolOperand(n.Left, l, "an operand of "+op)
		c.boolOperand(n.Right, r, "an operand of "+op)
		lt, rt := testOf(l), testOf(r)
		return c.fold(boolNode(func(f *frame) bool { return lt(f) || rt(f) }), l, r)
	case "==", "!=":
		if l.k != kAny && r.k != kAny && l.k != kNil && r.k != kNil && l.k != r.k {
			return c.fail(n, "invalid operation: %s between a %s and a %s (they are never equal)", op, l.k, r.k)
		}
		return c.fold(equality(op == "!=", l, r), l, r)
	case "<", "<=", ">", ">=":
		if l.k == kNil || r.k == kNil {
			return c.fail(n, "invalid operation: %s with nil is always false (use == nil or != nil)", op)
		}
		if l.k != kAny && r.k != kAny && (l.k != r.k || l.k == kBool) {
			return c.fail(n, "invalid operation: %s between a %s and a %s", op, l.k, r.k)
		}
		return c.fold(ordering(op, l, r), l, r)
	case "+", "-", "*", "/", "%", "**", "^":
		k, ok := arithKind(op, l.k, r.k)
		if !ok {
			return c.fail(n, "invalid operation: %s between a %s and a %s", op, l.k, r.k)
		}
		if l.k == kNum && r.k == kNum {
			return c.fold(cnode{fn: func(f *frame) value {
				x, y := lf(f), rf(f)
				if x.k != kNum || y.k != kNum {
					return nilValue
				}
				return numArith(op, x.n, y.n)
			}, k: k}, l, r)
		}
		return c.fold(cnode{fn: func(f *frame) value { return arith(op, lf(f), rf(f)) }, k: k}, l, r)
	case "??":
		return c.fold(cnode{fn: func(f *frame) value {
			if v := lf(f); v.k != kNil {
				return v
			}
			return rf(f)
		}, k: unify(l.k, r.k)}, l, r)
	case "contains", "startsWith", "endsWith":
		if (l.k != kStr && l.k != kAny) || (r.k != kStr && r.k != kAny) {
			return c.fail(n, "invalid operation: %s between a %s and a %s (it takes strings)", op, l.k, r.k)
		}
		test := map[string]func(s, sub string) bool{
			"contains": strings.Contains, "startsWith": strings.HasPrefix, "endsWith": strings.HasSuffix,
		}[op]
		return c.fold(boolNode(func(f *frame) bool {
			x, y := lf(f), rf(f)
			return x.k == kStr && y.k == kStr && test(x.s, y.s)
		}), l, r)
	}
	return c.fail(n, "operator %s is not supported in rules", n.Operator)
}
