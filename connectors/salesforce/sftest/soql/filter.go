package soql

// Filter is the shape of a bound WHERE clause, for a caller that decides
// how a query would run (the emulator's selectivity rules): the logical
// operators and, at the leaves, one comparison each with the field it
// reads and a predicate for that comparison alone.
type Filter struct {
	// Op is "AND", "OR" or "NOT" for a logical node (Kids holds its
	// operands), else the comparison operator: = != < <= > >= IN, NOT IN or
	// LIKE (<> is reported as !=).
	Op   string
	Kids []*Filter

	Field string // canonical field name of a comparison
	Type  Type   // its type
	// Null reports a comparison with null among its values (= null,
	// IN (null, ...)); for a boolean field null stands for false and is
	// not reported.
	Null bool
	// Wildcard reports a LIKE pattern that starts with % or _.
	Wildcard bool
	// Match reports whether a record satisfies this comparison, or this
	// node, alone.
	Match func(get func(field string) any) bool
}

// Filter returns the WHERE clause of p as a tree, or nil when the query has
// none. Names and literals were checked by Bind, so building it cannot
// fail; a node it cannot rebuild is reported as nil.
func (p *Plan) Filter() *Filter {
	if p.q == nil || p.q.where == nil {
		return nil
	}
	b := &binder{q: p.q, obj: p.Object, today: p.today, s: p.s}
	f, err := b.filter(p.q.where)
	if err != nil {
		return nil
	}
	return f
}

func (b *binder) filter(n node) (*Filter, error) {
	switch n := n.(type) {
	case *logicNode:
		op := "OR"
		if n.and {
			op = "AND"
		}
		f := &Filter{Op: op}
		for _, k := range n.kids {
			kf, err := b.filter(k)
			if err != nil {
				return nil, err
			}
			f.Kids = append(f.Kids, kf)
		}
		pred, err := b.node(n)
		if err != nil {
			return nil, err
		}
		f.Match = pred
		return f, nil
	case *notNode:
		kid, err := b.filter(n.kid)
		if err != nil {
			return nil, err
		}
		pred, err := b.node(n)
		if err != nil {
			return nil, err
		}
		return &Filter{Op: "NOT", Kids: []*Filter{kid}, Match: pred}, nil
	case *cmpNode:
		name, t, err := b.field(n.field, n.pos)
		if err != nil {
			return nil, err
		}
		pred, err := b.comparison(n)
		if err != nil {
			return nil, err
		}
		f := &Filter{Op: n.op, Field: name, Type: t, Match: pred}
		for _, l := range n.vals {
			if l.kind == litNull && t != Boolean {
				f.Null = true
			}
		}
		if n.like != nil && n.like.text != "" && (n.like.text[0] == '%' || n.like.text[0] == '_') {
			f.Wildcard = true
		}
		return f, nil
	}
	return nil, newError(b.q.src, 0, CodeMalformedQuery, "unsupported condition")
}
