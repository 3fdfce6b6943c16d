package soql

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

type litKind int

const (
	litString litKind = iota
	litNumber
	litBool
	litNull
	litDate
	litDateTime
	litRange // TODAY, LAST_N_DAYS:n, ...
)

// literal is a value on the right of a comparison, as parsed.
type literal struct {
	kind litKind
	pos  int
	text string    // source text, for messages
	str  string    // litString: the decoded text
	num  float64   // litNumber
	b    bool      // litBool
	day  int       // litDate: days since 1970-01-01
	t    time.Time // litDateTime
	rng  dateRange // litRange
}

// dateRange is a date literal: the days from..to relative to today,
// inclusive (TODAY is 0..0, LAST_N_DAYS:3 is -3..0).
type dateRange struct{ from, to int }

// rangeLiteral returns the range of a date literal name (upper case) that
// takes no argument.
//
// Ranges follow "Date Formats and Date Literals in WHERE" (SOQL and SOSL
// Reference, https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_dateformats.htm):
// YESTERDAY, TODAY and TOMORROW each start at 00:00:00 of their day and last
// 24 hours; LAST_90_DAYS and LAST_N_DAYS:n start with the current day and
// continue for the past n days, including the current day (LAST_N_DAYS:1
// includes yesterday and today); NEXT_90_DAYS and NEXT_N_DAYS:n start at
// 00:00:00 of the next day and continue for the next n days, not including
// the current day.
func rangeLiteral(name string) (dateRange, bool) {
	switch name {
	case "TODAY":
		return dateRange{0, 0}, true
	case "YESTERDAY":
		return dateRange{-1, -1}, true
	case "TOMORROW":
		return dateRange{1, 1}, true
	case "LAST_90_DAYS":
		return lastNDays(90), true
	case "NEXT_90_DAYS":
		return nextNDays(90), true
	}
	return dateRange{}, false
}

func lastNDays(n int) dateRange { return dateRange{-n, 0} }
func nextNDays(n int) dateRange { return dateRange{1, n} }

// maxNDays bounds LAST_N_DAYS:n and NEXT_N_DAYS:n so that day arithmetic
// cannot overflow; it is far beyond any date Salesforce stores.
const maxNDays = 10_000_000

// decodeString decodes a quoted string literal (with its quotes) following
// "Quoted String Escape Sequences" (SOQL and SOSL Reference,
// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_quotedstringescapes.htm):
// \n \N \r \R \t \T \b \B \f \F \" \' \\ and \uXXXX; \_ and \% are valid in
// a LIKE pattern only; a backslash in any other context is an error. Each
// decoded rune is reported with whether it was escaped.
func decodeString(raw string, like bool, emit func(r rune, escaped bool)) error {
	s := raw[1 : len(raw)-1]
	for i := 0; i < len(s); {
		if s[i] != '\\' {
			r, n := decodeRune(s[i:])
			emit(r, false)
			i += n
			continue
		}
		if i+1 >= len(s) {
			return salesforceError("Invalid string literal '%s'. Illegal character sequence '\\' in string literal.", s)
		}
		c := s[i+1]
		switch c {
		case 'n', 'N':
			emit('\n', true)
		case 'r', 'R':
			emit('\r', true)
		case 't', 'T':
			emit('\t', true)
		case 'b', 'B':
			emit('\b', true)
		case 'f', 'F':
			emit('\f', true)
		case '"', '\'', '\\':
			emit(rune(c), true)
		case '_', '%':
			if !like {
				return salesforceError("Invalid string literal '%s'. Illegal character sequence '\\%c' in string literal.", s, c)
			}
			emit(rune(c), true)
		case 'u':
			if i+6 > len(s) {
				return salesforceError("Invalid string literal '%s'. Illegal character sequence '\\u' in string literal.", s)
			}
			v, err := strconv.ParseUint(s[i+2:i+6], 16, 32)
			if err != nil {
				return salesforceError("Invalid string literal '%s'. Illegal character sequence '\\u%s' in string literal.", s, s[i+2:i+6])
			}
			emit(rune(v), true)
			i += 4
		default:
			r, _ := decodeRune(s[i+1:])
			return salesforceError("Invalid string literal '%s'. Illegal character sequence '\\%c' in string literal.", s, r)
		}
		i += 2
	}
	return nil
}

func decodeRune(s string) (rune, int) { return utf8.DecodeRuneInString(s) }

// stringValue decodes a non-LIKE string literal.
func stringValue(raw string) (string, error) {
	var b strings.Builder
	err := decodeString(raw, false, func(r rune, _ bool) { b.WriteRune(r) })
	return b.String(), err
}

// likePattern compiles a LIKE pattern: % matches zero or more characters, _
// exactly one, \% and \_ match themselves; the match is case-insensitive
// (Comparison Operators, SOQL and SOSL Reference,
// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_comparisonoperators.htm:
// "The LIKE operator performs a case-insensitive match").
func likePattern(raw string) (*regexp.Regexp, string, error) {
	var re, text strings.Builder
	re.WriteString(`(?is)\A`)
	err := decodeString(raw, true, func(r rune, escaped bool) {
		text.WriteRune(r)
		switch {
		case r == '%' && !escaped:
			re.WriteString(`.*`)
		case r == '_' && !escaped:
			re.WriteString(`.`)
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	})
	if err != nil {
		return nil, "", err
	}
	re.WriteString(`\z`)
	compiled, err := regexp.Compile(re.String())
	if err != nil {
		return nil, "", fmt.Errorf("invalid LIKE pattern: %v", err)
	}
	return compiled, text.String(), nil
}

// dayNumber returns the days since 1970-01-01 of the calendar date of t.
func dayNumber(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// dayStart returns 00:00:00 UTC of day number n.
func dayStart(n int) time.Time { return time.Unix(int64(n)*86400, 0).UTC() }

// parseDay parses YYYY-MM-DD into a day number.
func parseDay(s string) (int, bool) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return 0, false
	}
	return dayNumber(t.Date()), true
}

// parseDateTime parses a dateTime literal: YYYY-MM-DDThh:mm:ss with optional
// fractional seconds and a Z or ±hh:mm offset (Date Formats and Date
// Literals in WHERE, see rangeLiteral).
func parseDateTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// salesforceError formats an error whose text is Salesforce's own message,
// capitalised and punctuated as Salesforce writes it.
func salesforceError(format string, args ...any) error {
	return sfMessage(fmt.Sprintf(format, args...))
}

// sfMessage is an error whose text is given whole.
type sfMessage string

func (m sfMessage) Error() string { return string(m) }
