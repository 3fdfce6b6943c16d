package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"log"
	"log/slog"
	"strings"
	"testing"
)

func TestLoggerFormats(t *testing.T) {
	var buf bytes.Buffer
	l, err := newLogger(&buf, logFlags{format: "auto", level: "info"}, &secretSet{})
	if err != nil {
		t.Fatal(err)
	}
	l.Debug("hidden")
	l.Info("cycle", "pulled", 3)
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("auto format on a non-terminal is not one JSON line: %v: %q", err, buf.String())
	}
	if line["msg"] != "cycle" || line["pulled"] != 3.0 {
		t.Fatalf("line = %v", line)
	}

	buf.Reset()
	l, err = newLogger(&buf, logFlags{format: "text", level: "debug"}, &secretSet{})
	if err != nil {
		t.Fatal(err)
	}
	l.Debug("cycle", "pulled", 3)
	if out := buf.String(); !strings.Contains(out, "cycle") || !strings.Contains(out, "pulled=3") || strings.HasPrefix(out, "{") {
		t.Fatalf("text format = %q", out)
	}

	for _, lf := range []logFlags{{format: "xml", level: "info"}, {format: "json", level: "loud"}} {
		if _, err := newLogger(&buf, lf, &secretSet{}); err == nil {
			t.Errorf("newLogger(%+v) accepted a bad flag", lf)
		}
	}
}

func TestRedactor(t *testing.T) {
	const secret = "s3cr3t-client-value"
	key := "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n"
	secrets := &secretSet{}
	secrets.add(secret, key, "abc") // "abc" is too short to redact ordinary text
	var buf bytes.Buffer
	l, err := newLogger(&buf, logFlags{format: "json", level: "debug"}, secrets)
	if err != nil {
		t.Fatal(err)
	}
	l = l.With("client", "id="+secret)
	l.Info("auth with "+secret,
		"error", errors.New("token endpoint said "+secret),
		slog.Group("req", "body", "client_secret="+secret),
		"pem", key,
		"access_token", "00Dxx!AQ0AQNotInTheSet",
		"refresh_tokens_saved", 2,
		"word", "abc",
	)
	out := buf.String()
	for _, leak := range []string{secret, "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "00Dxx!AQ0AQNotInTheSet"} {
		if strings.Contains(out, leak) {
			t.Errorf("log shows %q: %s", leak, out)
		}
	}
	if !strings.Contains(out, `"word":"abc"`) {
		t.Errorf("a short ordinary value was redacted: %s", out)
	}
	if n := strings.Count(out, redacted); n < 6 {
		t.Errorf("%d redactions, want at least 6: %s", n, out)
	}

	// A secret learnt later (a rotated refresh token) is redacted from then on.
	buf.Reset()
	secrets.add("rotated-refresh-token-42")
	l.Info("saved", "value", "rotated-refresh-token-42")
	if strings.Contains(buf.String(), "rotated-refresh-token-42") {
		t.Errorf("a secret added later shows: %s", buf.String())
	}
}

func TestStandardLogGoesToSlogAtDebug(t *testing.T) {
	defer log.SetOutput(log.Writer())
	defer slog.SetDefault(slog.Default())
	var buf bytes.Buffer
	secrets := &secretSet{}
	secrets.add("simpleforce-session-id")
	l, err := newLogger(&buf, logFlags{format: "json", level: "debug"}, secrets)
	if err != nil {
		t.Fatal(err)
	}
	installLogger(l)
	log.Printf("HTTP GET request failed: session simpleforce-session-id")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("standard log line not routed to slog: %q", buf.String())
	}
	if line["level"] != "DEBUG" || line["component"] != "simpleforce" || strings.Contains(buf.String(), "simpleforce-session-id") {
		t.Fatalf("line = %v", line)
	}
}
