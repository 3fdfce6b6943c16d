package soql

import (
	"strconv"
	"strings"
)

// Query is a parsed query, before names are resolved.
type Query struct {
	Object string   // as written
	Fields []string // as written, in SELECT order; empty for COUNT()
	Count  bool     // SELECT COUNT()
	Limit  int      // -1: no LIMIT

	src      string
	objPos   int
	fieldPos []int
	where    node // nil: no WHERE
	orderBy  []orderItem
}

type orderItem struct {
	field      string
	pos        int
	desc       bool
	nullsFirst bool
}

// node is a WHERE condition: *logicNode, *notNode or *cmpNode.
type node interface{}

type logicNode struct {
	and  bool // AND, else OR
	kids []node
}

type notNode struct{ kid node }

type cmpNode struct {
	field string
	pos   int
	op    string // = != < <= > >= LIKE IN NOT IN (<> is stored as !=)
	vals  []literal
	like  *likeLit
}

type likeLit struct {
	re   interface{ MatchString(string) bool }
	text string
}

// reserved words cannot name an object or a field.
var reserved = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "AND": true, "OR": true, "NOT": true,
	"IN": true, "LIKE": true, "ORDER": true, "BY": true, "LIMIT": true, "ASC": true,
	"DESC": true, "NULLS": true, "NULL": true, "TRUE": true, "FALSE": true,
	"GROUP": true, "HAVING": true, "OFFSET": true, "WITH": true, "FOR": true,
	"USING": true, "INCLUDES": true, "EXCLUDES": true,
}

type parser struct {
	src  string
	toks []token
	i    int
}

// Parse parses q. Keywords are case-insensitive. Any syntax outside the
// subset the package supports is an *Error with Code MALFORMED_QUERY that
// points at the first token it cannot accept.
func Parse(q string) (*Query, error) {
	p := &parser{src: q, toks: lex(q)}
	query, err := p.query()
	if err != nil {
		return nil, err
	}
	return query, nil
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// isKW reports whether t is the keyword kw (upper case).
func isKW(t token, kw string) bool { return t.kind == tIdent && strings.EqualFold(t.text, kw) }

func (p *parser) expectKW(kw string) error {
	if t := p.next(); !isKW(t, kw) {
		return unexpected(p.src, t)
	}
	return nil
}

func (p *parser) expect(kind tokKind) (token, error) {
	t := p.next()
	if t.kind != kind {
		return t, unexpected(p.src, t)
	}
	return t, nil
}

// name reads an object or field name.
func (p *parser) name() (token, error) {
	t := p.next()
	if t.kind != tIdent || reserved[strings.ToUpper(t.text)] {
		return t, unexpected(p.src, t)
	}
	return t, nil
}

func (p *parser) query() (*Query, error) {
	q := &Query{src: p.src, Limit: -1}
	if err := p.expectKW("SELECT"); err != nil {
		return nil, err
	}
	if isKW(p.peek(), "COUNT") && p.toks[p.i+1].kind == tLParen {
		p.next()
		p.next()
		if _, err := p.expect(tRParen); err != nil {
			return nil, err
		}
		q.Count = true
	} else {
		for {
			t, err := p.name()
			if err != nil {
				return nil, err
			}
			q.Fields = append(q.Fields, t.text)
			q.fieldPos = append(q.fieldPos, t.pos)
			if p.peek().kind != tComma {
				break
			}
			p.next()
		}
	}
	if err := p.expectKW("FROM"); err != nil {
		return nil, err
	}
	obj, err := p.name()
	if err != nil {
		return nil, err
	}
	q.Object, q.objPos = obj.text, obj.pos
	if isKW(p.peek(), "WHERE") {
		p.next()
		if q.where, err = p.condition(); err != nil {
			return nil, err
		}
	}
	if isKW(p.peek(), "ORDER") {
		p.next()
		if err := p.expectKW("BY"); err != nil {
			return nil, err
		}
		if q.orderBy, err = p.orderBy(); err != nil {
			return nil, err
		}
	}
	if isKW(p.peek(), "LIMIT") {
		p.next()
		t := p.next()
		n, err := strconv.Atoi(t.text)
		if t.kind != tNumber || err != nil || n < 0 || strings.ContainsAny(t.text, "+-.") {
			return nil, unexpected(p.src, t)
		}
		q.Limit = n
	}
	if t := p.next(); t.kind != tEOF {
		return nil, unexpected(p.src, t)
	}
	return q, nil
}

// condition parses a sequence of conditions joined by AND or by OR.
// Logical Operators (SOQL and SOSL Reference,
// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_logicaloperators.htm):
// "Parentheses are required whenever you mix the operators", so a second,
// different operator at the same level is an unexpected token.
func (p *parser) condition() (node, error) {
	first, err := p.unary()
	if err != nil {
		return nil, err
	}
	var op string
	kids := []node{first}
	for isKW(p.peek(), "AND") || isKW(p.peek(), "OR") {
		t := p.peek()
		if op == "" {
			op = strings.ToUpper(t.text)
		} else if !strings.EqualFold(op, t.text) {
			return nil, unexpected(p.src, t)
		}
		p.next()
		kid, err := p.unary()
		if err != nil {
			return nil, err
		}
		kids = append(kids, kid)
	}
	if op == "" {
		return first, nil
	}
	return &logicNode{and: op == "AND", kids: kids}, nil
}

// unary parses NOT unary | ( condition ) | comparison.
func (p *parser) unary() (node, error) {
	if isKW(p.peek(), "NOT") {
		p.next()
		kid, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &notNode{kid: kid}, nil
	}
	if p.peek().kind == tLParen {
		p.next()
		c, err := p.condition()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRParen); err != nil {
			return nil, err
		}
		return c, nil
	}
	return p.comparison()
}

func (p *parser) comparison() (node, error) {
	f, err := p.name()
	if err != nil {
		return nil, err
	}
	c := &cmpNode{field: f.text, pos: f.pos}
	t := p.next()
	switch {
	case t.kind == tOp:
		c.op = t.text
		if c.op == "<>" {
			c.op = "!="
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		c.vals = []literal{v}
	case isKW(t, "LIKE"):
		c.op = "LIKE"
		s := p.next()
		if s.kind != tString {
			return nil, unexpected(p.src, s)
		}
		re, text, err := likePattern(s.text)
		if err != nil {
			return nil, newError(p.src, s.pos, CodeMalformedQuery, "%s", err.Error())
		}
		c.like = &likeLit{re: re, text: text}
	case isKW(t, "IN"):
		c.op = "IN"
		if c.vals, err = p.list(); err != nil {
			return nil, err
		}
	case isKW(t, "NOT") && isKW(p.peek(), "IN"):
		p.next()
		c.op = "NOT IN"
		if c.vals, err = p.list(); err != nil {
			return nil, err
		}
	default:
		return nil, unexpected(p.src, t)
	}
	return c, nil
}

// list parses ( value, ... ) after IN or NOT IN.
func (p *parser) list() ([]literal, error) {
	if _, err := p.expect(tLParen); err != nil {
		return nil, err
	}
	var vals []literal
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		t := p.next()
		if t.kind == tRParen {
			return vals, nil
		}
		if t.kind != tComma {
			return nil, unexpected(p.src, t)
		}
	}
}

func (p *parser) value() (literal, error) {
	t := p.next()
	l := literal{pos: t.pos, text: t.text}
	switch t.kind {
	case tString:
		s, err := stringValue(t.text)
		if err != nil {
			return l, newError(p.src, t.pos, CodeMalformedQuery, "%s", err.Error())
		}
		l.kind, l.str = litString, s
	case tNumber:
		n, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return l, unexpected(p.src, t)
		}
		l.kind, l.num = litNumber, n
	case tDate:
		d, ok := parseDay(t.text)
		if !ok {
			return l, unexpected(p.src, t)
		}
		l.kind, l.day = litDate, d
	case tDateTime:
		dt, ok := parseDateTime(t.text)
		if !ok {
			return l, unexpected(p.src, t)
		}
		l.kind, l.t = litDateTime, dt
	case tIdent:
		name := strings.ToUpper(t.text)
		switch name {
		case "TRUE", "FALSE":
			l.kind, l.b = litBool, name == "TRUE"
		case "NULL":
			l.kind = litNull
		case "LAST_N_DAYS", "NEXT_N_DAYS":
			if _, err := p.expect(tColon); err != nil {
				return l, err
			}
			nt := p.next()
			n, err := strconv.Atoi(nt.text)
			if nt.kind != tNumber || err != nil || n < 0 || n > maxNDays || strings.ContainsAny(nt.text, "+-.") {
				return l, unexpected(p.src, nt)
			}
			l.kind, l.text = litRange, p.src[t.pos:nt.pos+len(nt.text)]
			if name == "LAST_N_DAYS" {
				l.rng = lastNDays(n)
			} else {
				l.rng = nextNDays(n)
			}
		default:
			r, ok := rangeLiteral(name)
			if !ok {
				return l, unexpected(p.src, t)
			}
			l.kind, l.rng = litRange, r
		}
	default:
		return l, unexpected(p.src, t)
	}
	return l, nil
}

func (p *parser) orderBy() ([]orderItem, error) {
	var items []orderItem
	for {
		f, err := p.name()
		if err != nil {
			return nil, err
		}
		// ORDER BY (SOQL and SOSL Reference,
		// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_orderby.htm):
		// "Default order is ascending" and "By default, null values are
		// sorted first" -- for either direction, as the page words it.
		it := orderItem{field: f.text, pos: f.pos, nullsFirst: true}
		if isKW(p.peek(), "ASC") {
			p.next()
		} else if isKW(p.peek(), "DESC") {
			p.next()
			it.desc = true
		}
		if isKW(p.peek(), "NULLS") {
			p.next()
			t := p.next()
			switch {
			case isKW(t, "FIRST"):
				it.nullsFirst = true
			case isKW(t, "LAST"):
				it.nullsFirst = false
			default:
				return nil, unexpected(p.src, t)
			}
		}
		items = append(items, it)
		if p.peek().kind != tComma {
			return items, nil
		}
		p.next()
	}
}
