package salesforce

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestParseErrorBody(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		code     string
		contains string
		fields   []string
	}{
		{"DocumentedArray", 400, `[{"message":"No such column 'Foo__c'","errorCode":"INVALID_FIELD","fields":["Foo__c"]}]`,
			"INVALID_FIELD", "No such column", []string{"Foo__c"}},
		{"SeveralErrors", 400, `[{"message":"first","errorCode":"A"},{"message":"second","errorCode":"B"}]`,
			"A", "first (and 1 more)", nil},
		{"EmptyArray", 500, `[]`, "", "empty error list", nil},
		{"EmptyObject", 500, `{}`, "", "unrecognised error body: {}", nil},
		{"ArrayOfJunk", 500, `[1, "x", null]`, "", "unrecognised", nil},
		{"OAuthObject", 400, `{"error":"invalid_grant","error_description":"authentication failure"}`,
			"invalid_grant", "authentication failure", nil},
		{"SingleObject", 403, `{"errorCode":"REQUEST_LIMIT_EXCEEDED","message":"TotalRequests Limit exceeded."}`,
			"REQUEST_LIMIT_EXCEEDED", "TotalRequests", nil},
		{"HTMLPage", 500, "<!DOCTYPE html><html><head><title>Internal Server Error</title></head><body><h1>Oops</h1></body></html>",
			"", "Internal Server Error", nil},
		{"HTMLWithoutTitle", 502, "<html><body><p>Bad   gateway\n\nfrom proxy</p></body></html>", "", "Bad gateway from proxy", nil},
		{"PlainText", 503, "Service Unavailable\n", "", "Service Unavailable", nil},
		{"Empty", 502, "", "", "empty error body", nil},
		{"Whitespace", 500, " \n\t ", "", "empty error body", nil},
		{"TruncatedWithCode", 401, `[{"message":"Session expired or invalid","errorCode":"INVALID_SESS`, "", "", nil},
		{"TruncatedAfterCode", 401, `[{"errorCode":"INVALID_SESSION_ID","message":"Session expired or in`,
			"INVALID_SESSION_ID", "Session expired or in", nil},
		{"TruncatedMessageOnly", 500, `[{"message":"An unexpected error occurred. Please include this ErrorId (-1`, "", "unexpected error", nil},
		{"JSONString", 500, `"just a string"`, "", "unrecognised", nil},
		{"JSONNull", 500, `null`, "", "unrecognised", nil},
		{"Binary", 500, "\x00\x01\xff\xfe<title>\x80bad</title>", "", "?bad", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := parseErrorBody(tt.status, []byte(tt.body))
			if e.Status != tt.status {
				t.Errorf("status = %d, want %d", e.Status, tt.status)
			}
			if e.Code != tt.code {
				t.Errorf("code = %q, want %q", e.Code, tt.code)
			}
			if !strings.Contains(e.Message, tt.contains) {
				t.Errorf("message = %q, want it to contain %q", e.Message, tt.contains)
			}
			if strings.Join(e.Fields, ",") != strings.Join(tt.fields, ",") {
				t.Errorf("fields = %q, want %q", e.Fields, tt.fields)
			}
			if e.Message == "" {
				t.Error("message is empty")
			}
		})
	}
}

func TestParseErrorBodyBoundsMessage(t *testing.T) {
	body := "<html><body>" + strings.Repeat("very long page ", 10000) + "</body></html>"
	e := parseErrorBody(500, []byte(body))
	if len(e.Message) > maxMessage+3 {
		t.Fatalf("message is %d bytes, want at most %d", len(e.Message), maxMessage+3)
	}
}

// FuzzParseErrorBody checks that no body, however odd, panics the parser or
// yields an unprintable, unbounded or empty message.
func FuzzParseErrorBody(f *testing.F) {
	for _, s := range []string{
		`[]`, `{}`, `[{}]`, `null`, `[null]`, `[{"errorCode":5}]`,
		`[{"message":"m","errorCode":"C","fields":["a",1,null]}]`,
		`{"error":"invalid_grant","error_description":"expired"}`,
		`<html><title>x</title></html>`, "plain text", "", `[{"message":"cut`,
		`[{"errorCode":"INVALID_SESSION_ID","message":"Session expired or invalid"}]`,
		`{"error":"0"}`, `[{"errorCode":"X"}]`,
	} {
		f.Add(500, []byte(s))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := parseErrorBody(status, body)
		if e == nil {
			t.Fatal("nil error")
		}
		if e.Message == "" {
			t.Fatal("empty message")
		}
		for _, s := range append([]string{e.Message, e.Code}, e.Fields...) {
			if len(s) > maxMessage+3 {
				t.Fatalf("%d-byte string %q", len(s), s)
			}
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 %q", s)
			}
			for _, r := range s {
				if !unicode.IsPrint(r) {
					t.Fatalf("unprintable %q in %q", r, s)
				}
			}
		}
		_ = e.Error()
		_ = Classify(e)
	})
}

func TestParseLimitInfo(t *testing.T) {
	tests := []struct {
		h         string
		used, max int
		ok        bool
	}{
		{"api-usage=18/5000", 18, 5000, true},
		{"api-usage=25/5000; per-app-api-usage=17/250(appName=sample-connected-app)", 25, 5000, true},
		{"per-app-api-usage=17/250(appName=x); api-usage=7/100", 7, 100, true},
		{" api-usage = 3 / 10 ", 3, 10, true},
		{"api-usage=18", 0, 0, false},
		{"api-usage=x/5000", 0, 0, false},
		{"api-usage=5/0", 0, 0, false},
		{"", 0, 0, false},
		{"per-app-api-usage=17/250", 0, 0, false},
	}
	for _, tt := range tests {
		used, max, ok := parseLimitInfo(tt.h)
		if used != tt.used || max != tt.max || ok != tt.ok {
			t.Errorf("parseLimitInfo(%q) = %d, %d, %v; want %d, %d, %v", tt.h, used, max, ok, tt.used, tt.max, tt.ok)
		}
	}
}

func FuzzParseLimitInfo(f *testing.F) {
	f.Add("api-usage=18/5000; per-app-api-usage=17/250(appName=x)")
	f.Fuzz(func(t *testing.T, h string) {
		used, max, ok := parseLimitInfo(h)
		if ok && (used < 0 || max <= 0) {
			t.Fatalf("parseLimitInfo(%q) = %d/%d", h, used, max)
		}
	})
}
