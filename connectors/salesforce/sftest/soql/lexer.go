package soql

import "strings"

type tokKind int

const (
	tEOF      tokKind = iota
	tIdent            // names and keywords
	tString           // 'quoted', text holds the raw source with quotes
	tNumber           // 12, -3.5
	tDate             // 2024-03-01
	tDateTime         // 2024-03-01T12:00:00Z, with .000 and +hh:mm variants
	tOp               // = != <> < <= > >=
	tLParen
	tRParen
	tComma
	tColon
	tIllegal // a character outside the language, or an unterminated string
)

type token struct {
	kind tokKind
	text string // the source text of the token
	pos  int    // byte offset in the query
}

// lex splits q into tokens, always ending with tEOF. Characters outside the
// language become tIllegal tokens, which the parser reports in place.
func lex(q string) []token {
	var toks []token
	i := 0
	for {
		for i < len(q) && isSpace(q[i]) {
			i++
		}
		if i >= len(q) {
			return append(toks, token{kind: tEOF, pos: len(q)})
		}
		start := i
		c := q[i]
		kind := tIllegal
		switch {
		case isIdentStart(c):
			for i < len(q) && isIdentPart(q[i]) {
				i++
			}
			kind = tIdent
		case c == '\'':
			i, kind = lexString(q, i)
		case isDigit(c):
			if n := dateTimeLen(q[i:]); n > 0 {
				i += n
				kind = tDateTime
			} else if n := dateLen(q[i:]); n > 0 {
				i += n
				kind = tDate
			} else {
				i, kind = lexNumber(q, i), tNumber
			}
		case (c == '-' || c == '+') && i+1 < len(q) && isDigit(q[i+1]):
			i, kind = lexNumber(q, i+1), tNumber
		case c == '=':
			i, kind = i+1, tOp
		case c == '!' && strings.HasPrefix(q[i:], "!="):
			i, kind = i+2, tOp
		case c == '<' && (strings.HasPrefix(q[i:], "<=") || strings.HasPrefix(q[i:], "<>")):
			i, kind = i+2, tOp
		case c == '>' && strings.HasPrefix(q[i:], ">="):
			i, kind = i+2, tOp
		case c == '<' || c == '>':
			i, kind = i+1, tOp
		case c == '(':
			i, kind = i+1, tLParen
		case c == ')':
			i, kind = i+1, tRParen
		case c == ',':
			i, kind = i+1, tComma
		case c == ':':
			i, kind = i+1, tColon
		default:
			// One character (a whole UTF-8 sequence) as an illegal token.
			i++
			for i < len(q) && q[i]&0xC0 == 0x80 {
				i++
			}
		}
		toks = append(toks, token{kind: kind, text: q[start:i], pos: start})
		if kind == tIllegal {
			return append(toks, token{kind: tEOF, pos: len(q)})
		}
	}
}

// lexString scans a quoted string starting at the quote q[i]. A backslash
// escapes the next character; escapes are checked when the literal is
// decoded. An unterminated string is illegal.
func lexString(q string, i int) (int, tokKind) {
	for j := i + 1; j < len(q); j++ {
		switch q[j] {
		case '\\':
			j++
		case '\'':
			return j + 1, tString
		}
	}
	return len(q), tIllegal
}

func lexNumber(q string, i int) int {
	for i < len(q) && isDigit(q[i]) {
		i++
	}
	if i+1 < len(q) && q[i] == '.' && isDigit(q[i+1]) {
		i++
		for i < len(q) && isDigit(q[i]) {
			i++
		}
	}
	return i
}

// dateLen returns the length of a YYYY-MM-DD prefix of s, or 0.
func dateLen(s string) int {
	if matchPattern(s, "dddd-dd-dd") {
		return 10
	}
	return 0
}

// dateTimeLen returns the length of a dateTime literal prefix of s, or 0:
// YYYY-MM-DDThh:mm:ss, optional fractional seconds, then Z or +hh:mm/-hh:mm.
func dateTimeLen(s string) int {
	if !matchPattern(s, "dddd-dd-ddTdd:dd:dd") {
		return 0
	}
	n := 19
	if n+1 < len(s) && s[n] == '.' && isDigit(s[n+1]) {
		n++
		for n < len(s) && isDigit(s[n]) {
			n++
		}
	}
	switch {
	case n < len(s) && s[n] == 'Z':
		return n + 1
	case n < len(s) && (s[n] == '+' || s[n] == '-') && matchPattern(s[n+1:], "dd:dd"):
		return n + 6
	}
	return 0
}

// matchPattern reports whether s starts with pattern, where 'd' in the
// pattern matches one ASCII digit and every other byte matches itself.
func matchPattern(s, pattern string) bool {
	if len(s) < len(pattern) {
		return false
	}
	for i := 0; i < len(pattern); i++ {
		if pattern[i] == 'd' {
			if !isDigit(s[i]) {
				return false
			}
		} else if s[i] != pattern[i] {
			return false
		}
	}
	return true
}

func isSpace(c byte) bool      { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || (c|0x20) >= 'a' && (c|0x20) <= 'z' }
func isIdentPart(c byte) bool  { return isIdentStart(c) || isDigit(c) }
