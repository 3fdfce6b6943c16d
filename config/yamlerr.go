package config

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// yaml.v3 names the wrong line for many syntax errors: for a parser error it
// reports the start of the enclosing block (its context mark), counted from
// 0, so three indentation mistakes deep inside `salesforce:` all read "line
// 9" when line 10 opens that section. syntaxError finds the real line
// instead: the first line whose addition makes the text unparsable (the
// longest prefix of whole lines that parses ends just before it), and looks
// at that line and the one above it for the usual mistakes.

// maxLocateLines and maxLocateBytes bound the re-parsing syntaxError does
// (a config of a few hundred lines takes milliseconds).
const (
	maxLocateLines = 5000
	maxLocateBytes = 4 << 20
)

var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

// syntaxError returns the error for data that yaml.v3 refused with err.
func syntaxError(data []byte, filename string, err error) error {
	msg := yamlLineRE.ReplaceAllString(err.Error(), "")
	msg = strings.TrimPrefix(msg, "yaml: ")
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	if len(lines) > maxLocateLines {
		return &Error{File: filename, Err: fmt.Errorf("not valid YAML: %w", yamlError(err))}
	}
	bad := firstBadLine(lines)
	if bad < 0 {
		return &Error{File: filename, Err: fmt.Errorf("not valid YAML: %w", yamlError(err))}
	}
	line, hint := diagnose(lines, bad, msg)
	return &Error{File: filename, Line: line + 1, Err: fmt.Errorf("not valid YAML: %s (the YAML parser says: %s)", hint, msg)}
}

// firstBadLine returns the index of the line after the longest prefix of
// lines that parses (the empty prefix always does), or -1 when finding it
// would re-parse more than maxLocateBytes.
func firstBadLine(lines []string) int {
	budget := maxLocateBytes
	for k := len(lines) - 1; k >= 0; k-- {
		prefix := strings.Join(lines[:k], "\n")
		if budget -= len(prefix); budget < 0 {
			return -1
		}
		var n yaml.Node
		if yaml.Unmarshal([]byte(prefix), &n) == nil {
			// A blank or comment line cannot be the mistake: blame the
			// content line before it, if any.
			for i := k; i >= 0; i-- {
				if isContent(lines[i]) {
					return i
				}
			}
			return k
		}
	}
	return -1
}

// yamlLine is what diagnose needs of a line.
type yamlLine struct {
	text   string // without the indentation
	indent int    // spaces before the text
	key    int    // column of the key: indent, or after "- " for a list item
	item   bool   // a list item
	colon  bool   // has "key:" (a key, with or without a value)
	opens  bool   // ends with a bare "key:" (a section or list follows)
	tab    bool   // a tab in the indentation
}

func parseLine(s string) yamlLine {
	body := strings.TrimLeft(s, " \t")
	l := yamlLine{text: body, indent: len(s) - len(body), tab: strings.ContainsRune(s[:len(s)-len(body)], '\t')}
	l.key = l.indent
	for strings.HasPrefix(l.text, "- ") || l.text == "-" {
		l.item = true
		rest := strings.TrimLeft(l.text[1:], " ")
		l.key += len(l.text) - len(rest)
		l.text = rest
	}
	value := stripComment(l.text)
	if i := keyEnd(value); i >= 0 {
		l.colon = true
		l.opens = strings.TrimSpace(value[i+1:]) == ""
	}
	return l
}

// keyEnd returns the index of the ':' ending a plain key at the start of s,
// or -1.
func keyEnd(s string) int {
	if s == "" || strings.ContainsRune(`'"[{&*!|>%@`+"`", rune(s[0])) {
		return -1
	}
	for i := 0; i < len(s); i++ {
		if s[i] == ':' && (i+1 == len(s) || s[i+1] == ' ') {
			return i
		}
	}
	return -1
}

// unclosedQuote reports whether the line's value (or the line, when it has
// no key) starts with a quote that the line does not close.
func unclosedQuote(text string) bool {
	v := text
	if i := keyEnd(text); i >= 0 {
		v = strings.TrimSpace(text[i+1:])
	}
	if v == "" || (v[0] != '"' && v[0] != '\'') {
		return false
	}
	q := v[0]
	for i := 1; i < len(v); i++ {
		switch {
		case q == '"' && v[i] == '\\':
			i++
		case v[i] == q && q == '\'' && i+1 < len(v) && v[i+1] == '\'':
			i++ // '' is a quote inside single quotes
		case v[i] == q:
			return false
		}
	}
	return true
}

// flowValue returns the line's value when it is a flow list or mapping
// ([...] or {...}), else "".
func flowValue(text string) string {
	v := text
	if i := keyEnd(text); i >= 0 {
		v = strings.TrimSpace(text[i+1:])
	}
	if v != "" && (v[0] == '[' || v[0] == '{') {
		return stripComment(v)
	}
	return ""
}

func stripComment(s string) string {
	if i := strings.Index(s, " #"); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return strings.TrimSpace(s)
}

func isContent(s string) bool {
	t := strings.TrimSpace(s)
	return t != "" && !strings.HasPrefix(t, "#")
}

// diagnose returns the line to blame (an index) and what is wrong with it.
func diagnose(lines []string, bad int, msg string) (int, string) {
	cur := parseLine(lines[bad])
	prevIdx := -1
	for i := bad - 1; i >= 0; i-- {
		if isContent(lines[i]) {
			prevIdx = i
			break
		}
	}
	if cur.tab {
		return bad, "a tab in the indentation: YAML indents with spaces only"
	}
	if unclosedQuote(cur.text) {
		return bad, "a quote opened on this line is never closed"
	}
	if v := flowValue(cur.text); v != "" && strings.Count(v, "[")+strings.Count(v, "{") > strings.Count(v, "]")+strings.Count(v, "}") {
		return bad, fmt.Sprintf("a %c opened on this line is never closed", v[0])
	}
	if prevIdx < 0 {
		return bad, "check this line's syntax"
	}
	prev := parseLine(lines[prevIdx])
	switch {
	case !prev.colon && !prev.item && cur.colon && cur.key == prev.key:
		return prevIdx, fmt.Sprintf("no colon after the key in %q: write key: value", strings.TrimSpace(prev.text))
	case !cur.colon && !cur.item && cur.text != "" && cur.key == prev.key && !strings.ContainsAny(cur.text[:1], `'"[{`):
		return bad, fmt.Sprintf("no colon after the key in %q: write key: value", stripComment(cur.text))
	case cur.item && !prev.opens && cur.indent != prev.indent:
		return bad, fmt.Sprintf("a list item indented %d spaces, not lined up with the list above it (line %d): items of one list start at the same column", cur.indent, prevIdx+1)
	case cur.colon && cur.key > prev.key && !prev.opens:
		if prev.item {
			return bad, fmt.Sprintf("indented %d spaces, deeper than the list item's first key on line %d (%d): the keys of one item line up", cur.key, prevIdx+1, prev.key)
		}
		return bad, fmt.Sprintf("indented %d spaces, deeper than the key above it (line %d, %d spaces), which has a value and opens no section", cur.key, prevIdx+1, prev.key)
	case cur.key < prev.key || prev.opens && cur.key <= prev.key && !cur.item:
		if cols := openColumns(lines, bad); !containsInt(cols, cur.key) {
			return bad, fmt.Sprintf("indented %d spaces, where the keys around it are at %s spaces: line it up with the keys of its section", cur.key, joinInts(cols))
		}
	}
	if cur.colon {
		if i := keyEnd(cur.text); i >= 0 && strings.Contains(stripComment(cur.text[i+1:]), ": ") {
			return bad, "a value containing \": \" must be in quotes"
		}
	}
	return bad, "check this line's indentation and syntax against the lines above it"
}

// openColumns returns the key columns valid for a line at index bad: the
// columns of the keys enclosing it, deepest first.
func openColumns(lines []string, bad int) []int {
	var cols []int
	limit := 1 << 30
	for i := bad - 1; i >= 0 && limit > 0; i-- {
		if !isContent(lines[i]) {
			continue
		}
		l := parseLine(lines[i])
		if l.key < limit {
			if l.colon || l.item {
				cols = append(cols, l.key)
			}
			limit = l.key
			if l.item {
				limit = l.indent
			}
		}
	}
	return cols
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func joinInts(s []int) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	if len(parts) > 1 {
		return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
	}
	return strings.Join(parts, "")
}
