package soql

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Error codes, as Salesforce returns them in the errorCode of a failed query.
const (
	CodeMalformedQuery = "MALFORMED_QUERY"
	CodeInvalidField   = "INVALID_FIELD"
	CodeInvalidType    = "INVALID_TYPE"
	// CodeInvalidFilterOperator is returned for a malformed id literal and
	// for an operator the field's type does not support (LIKE on a number).
	CodeInvalidFilterOperator = "INVALID_QUERY_FILTER_OPERATOR"
)

// Error is a query error in the shape of a Salesforce REST error item:
// Code is the errorCode and Message the message, which Salesforce formats as
// the part of the query around the error, a caret under the offending token,
// "ERROR at Row:R:Column:C" and the cause, each on its own line, e.g.
//
//	\nSELECT Id, Foo__c FROM Account\n           ^\nERROR at Row:1:Column:12\nNo such column 'Foo__c' on entity 'Account'. ...
//
// (the shape is that of the INVALID_FIELD and INVALID_TYPE faults quoted in
// Salesforce's API fault documentation and in published org responses).
// Row and Column are 1-based; Detail is the cause alone.
type Error struct {
	Code, Message string
	Row, Column   int
	Detail        string
}

// Error returns "CODE: message".
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// windowRunes is how many characters of a long query line an error message
// shows around the error. Salesforce shows a window of a few tokens; the
// exact width is not documented, so this approximates it.
const windowRunes = 40

// newError builds an *Error for the byte offset pos of src.
func newError(src string, pos int, code, format string, args ...any) *Error {
	if pos < 0 {
		pos = 0
	}
	if pos > len(src) {
		pos = len(src)
	}
	detail := fmt.Sprintf(format, args...)
	lineStart := strings.LastIndexByte(src[:pos], '\n') + 1
	lineEnd := len(src)
	if i := strings.IndexByte(src[pos:], '\n'); i >= 0 {
		lineEnd = pos + i
	}
	row := strings.Count(src[:lineStart], "\n") + 1
	col := utf8.RuneCountInString(src[lineStart:pos]) + 1

	line := []rune(strings.TrimRight(src[lineStart:lineEnd], "\r"))
	from, to := 0, len(line)
	if len(line) > 2*windowRunes {
		from = max(0, col-1-windowRunes)
		to = min(len(line), col-1+windowRunes)
		// Start and end the window on a token boundary.
		for from > 0 && !isBoundary(line[from-1]) {
			from--
		}
		for to < len(line) && !isBoundary(line[to]) {
			to++
		}
	}
	caret := strings.Repeat(" ", max(0, col-1-from)) + "^"
	msg := fmt.Sprintf("\n%s\n%s\nERROR at Row:%d:Column:%d\n%s", string(line[from:to]), caret, row, col, detail)
	return &Error{Code: code, Message: msg, Row: row, Column: col, Detail: detail}
}

func isBoundary(r rune) bool {
	return r == ' ' || r == ',' || r == '\t' || r == '(' || r == ')'
}

// unexpected reports the token t as out of place, in Salesforce's wording
// ("unexpected token: 'Brien'", "unexpected token: <EOF>").
func unexpected(src string, t token) *Error {
	if t.kind == tEOF {
		return newError(src, t.pos, CodeMalformedQuery, "unexpected token: <EOF>")
	}
	return newError(src, t.pos, CodeMalformedQuery, "unexpected token: '%s'", t.text)
}
