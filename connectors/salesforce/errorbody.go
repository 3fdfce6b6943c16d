package salesforce

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxMessage bounds the message kept from an error body, so an HTML page or
// a huge body never ends up whole in an error string or a log line.
const maxMessage = 300

// maxErrorBody bounds how much of an error body is parsed: Salesforce's
// error arrays are small, and an HTML page says what it has to say early.
const maxErrorBody = 64 << 10

var (
	reErrorCode = regexp.MustCompile(`"(?:errorCode|statusCode|error)"\s*:\s*"([A-Za-z0-9_]{1,80})"`)
	reMessage   = regexp.MustCompile(`"(?:message|error_description)"\s*:\s*"((?:[^"\\]|\\.){0,300})`)
	reTitle     = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	reTags      = regexp.MustCompile(`(?s)<[^>]*>`)
)

// parseErrorBody converts a non-2xx response into an *APIError. Salesforce
// documents the body as a JSON array of {message, errorCode, fields}
// (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm),
// but proxies and outages produce anything: "[]", "{}", an OAuth-style
// {"error","error_description"} object, an HTML page, an empty or a
// truncated body. It never fails and never panics; what it cannot read
// becomes a short, printable Message and an empty Code.
func parseErrorBody(status int, body []byte) *APIError {
	e := readErrorBody(status, body)
	if e.Message == "" {
		e.Message = defaultMessage(status, "")
	}
	return e
}

func readErrorBody(status int, body []byte) *APIError {
	e := &APIError{Status: status}
	if len(body) > maxErrorBody {
		body = body[:maxErrorBody] // parsed as a truncated body
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		e.Message = defaultMessage(status, "empty error body")
		return e
	}
	var v any
	if json.Unmarshal(trimmed, &v) == nil {
		if fillFromJSON(e, v) {
			return e
		}
		e.Message = defaultMessage(status, "unrecognised error body: "+snippet(string(trimmed)))
		return e
	}
	// Not JSON (or cut short): salvage what a truncated Salesforce body
	// still says, so a cut-off INVALID_SESSION_ID is still recognised.
	if m := reErrorCode.FindSubmatch(trimmed); m != nil {
		e.Code = string(m[1])
		e.lockInMessage = e.Code == codeTriggerFailure && bytes.Contains(trimmed, []byte(codeLockRow))
		if mm := reMessage.FindSubmatch(trimmed); mm != nil {
			var s string
			if json.Unmarshal(append(append([]byte{'"'}, mm[1]...), '"'), &s) != nil {
				s = string(mm[1])
			}
			e.Message = snippet(s)
		}
		if e.Message == "" {
			e.Message = "truncated error body"
		}
		return e
	}
	if m := reTitle.FindSubmatch(trimmed); m != nil {
		e.Message = snippet(string(m[1]))
	} else {
		e.Message = snippet(reTags.ReplaceAllString(string(trimmed), " "))
	}
	e.Message = defaultMessage(status, e.Message)
	return e
}

// fillFromJSON reads the documented array shape, a single error object, or
// an OAuth error object. It reports false when v holds none of them.
func fillFromJSON(e *APIError, v any) bool {
	switch t := v.(type) {
	case []any:
		for i, item := range t {
			obj, ok := item.(map[string]any)
			if !ok || !fillFromObject(e, obj) {
				continue
			}
			if more := len(t) - 1 - i; more > 0 {
				e.Message = snippet(e.Message + " (and " + strconv.Itoa(more) + " more)")
			}
			return true
		}
		if len(t) == 0 {
			e.Message = defaultMessage(e.Status, "empty error list")
			return true
		}
	case map[string]any:
		return fillFromObject(e, t)
	}
	return false
}

func fillFromObject(e *APIError, obj map[string]any) bool {
	code := firstString(obj, "errorCode", "statusCode", "error")
	msg := firstString(obj, "message", "error_description")
	if code == "" && msg == "" {
		return false
	}
	e.Code = snippet(code)
	e.Message = snippet(msg)
	e.lockInMessage = code == codeTriggerFailure && strings.Contains(msg, codeLockRow)
	if fs, ok := obj["fields"].([]any); ok {
		for _, f := range fs {
			if s, ok := f.(string); ok && len(e.Fields) < 20 {
				e.Fields = append(e.Fields, snippet(s))
			}
		}
	}
	return true
}

func firstString(obj map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := obj[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

func defaultMessage(status int, msg string) string {
	if msg != "" {
		return msg
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "error"
}

// snippet returns s as one printable line of at most maxMessage bytes.
func snippet(s string) string {
	s = strings.ToValidUTF8(s, "?")
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		if b.Len()+utf8.RuneLen(r) > maxMessage {
			b.WriteString("...")
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}
