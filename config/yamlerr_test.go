package config

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// goodYAML is a realistic config; each case of TestYAMLSyntaxErrorLine
// breaks one line of it.
const goodYAML = `# lifecycled.yaml

salesforce:
  login_url: https://acme.my.salesforce.com
  auth:
    client_id: id
    client_secret: s3cr3t-value
  where: "Type = 'Customer'"

fields:
  start_date: Start_Date__c
  paying: Paying_Customer__c
  health: Customer_Health__c

tags:
  smart_lists:
    - tag: Core-Good
      when: 'paying && health == "Good"'
    - tag: Core-Poor
      when: 'paying && health == "Poor"'

status:
  rules:
    - when: 'has_tag("Core-Good")'
      value: "Core-Good"
  otherwise: keep

sync:
  interval: 5m
  batch_size: 100
  timezone: Europe/Paris
`

func TestYAMLSyntaxErrorLine(t *testing.T) {
	if _, err := Parse([]byte(goodYAML), "lifecycled.yaml", env(nil)); err != nil {
		t.Fatalf("goodYAML: %v", err)
	}
	tests := []struct {
		name      string
		line      int    // the line replaced (1-based)
		with      string // its new text
		wantLine  int
		wantHints string
	}{
		{"TabInIndentation", 30, "\tbatch_size: 100", 30, "a tab in the indentation"},
		{"KeyOneSpaceTooDeep", 30, "   batch_size: 100", 30, "deeper than the key above it (line 29"},
		{"KeyOneSpaceTooShallow", 31, " timezone: Europe/Paris", 31, "indented 1 spaces, where the keys around it are at 2 or 0 spaces"},
		{"NestedKeyTooDeep", 7, "     client_secret: s3cr3t-value", 7, "deeper than the key above it (line 6"},
		{"NestedKeyTooShallow", 7, "   client_secret: s3cr3t-value", 7, "where the keys around it are at 4, 2 or 0 spaces"},
		{"MissingColonBeforeKeys", 29, "  interval 5m", 29, `no colon after the key in "interval 5m"`},
		{"MissingColonBareKey", 11, "  start_date", 11, `no colon after the key in "start_date"`},
		{"ListItemTooShallow", 19, "   - tag: Core-Poor", 19, "not lined up with the list above it"},
		{"ListItemKeyNotLinedUp", 18, "       when: 'paying'", 18, "deeper than the list item's first key"},
		{"ListItemKeyTooShallow", 25, "     value: \"Core-Good\"", 25, "where the keys around it are at 6, 2 or 0 spaces"},
		{"ColonInValue", 31, "  timezone: Europe: Paris", 31, `a value containing ": " must be in quotes`},
		{"UnclosedQuote", 8, `  where: "Type = 'Customer'`, 8, "a quote opened on this line is never closed"},
	}
	lines := strings.Split(goodYAML, "\n")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			broken := append([]string(nil), lines...)
			broken[tt.line-1] = tt.with
			_, err := Parse([]byte(strings.Join(broken, "\n")), "lifecycled.yaml", env(nil))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Parse error = %v, want a *config.Error", err)
			}
			if ce.Line != tt.wantLine || !strings.Contains(err.Error(), tt.wantHints) {
				t.Fatalf("error = %v\nwant line %d and %q", err, tt.wantLine, tt.wantHints)
			}
			if !strings.HasPrefix(err.Error(), "lifecycled.yaml:") || !strings.Contains(err.Error(), "the YAML parser says:") {
				t.Errorf("error = %v", err)
			}
		})
	}
}

// TestYAMLSyntaxErrorInExample: mistakes deep in config/example.yaml, far
// from the start of their section, are named at their own line (yaml.v3
// alone names the line before the section's start for all of them).
func TestYAMLSyntaxErrorInExample(t *testing.T) {
	data, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	find := func(prefix string) int {
		for i, l := range lines {
			if strings.HasPrefix(l, prefix) {
				return i
			}
		}
		t.Fatalf("example.yaml has no line %q", prefix)
		return -1
	}
	for _, tt := range []struct{ name, prefix, with string }{
		{"ShallowAPIVersion", "  api_version:", ` api_version: "62.0"`},
		{"DeepAllowSave", "  allow_save_on_duplicates:", "   allow_save_on_duplicates: true"},
		{"DeepBatchSize", "  batch_size:", "     batch_size: 200"},
		{"TabMaxShare", "  max_api_share:", "\tmax_api_share: 0.2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			i := find(tt.prefix)
			broken := append([]string(nil), lines...)
			broken[i] = tt.with
			_, err := Parse([]byte(strings.Join(broken, "\n")), "example.yaml", env(map[string]string{"SF_MY_DOMAIN": "a", "SF_CLIENT_ID": "i", "SF_CLIENT_SECRET": "s"}))
			var ce *Error
			if !errors.As(err, &ce) || ce.Line != i+1 {
				t.Fatalf("error = %v, want line %d", err, i+1)
			}
		})
	}
}
