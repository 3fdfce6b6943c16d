package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/lmittmann/tint"
)

// logFlags are the flags every command takes for logging.
type logFlags struct {
	format string // "auto", "text" (tint), "json"
	level  string // debug, info, warn, error
}

// register defines --log-format and --log-level on fs, their defaults
// from the environment. A value given on the command line is checked when
// parsed (a usage error); one from the environment when the logger is built.
func (lf *logFlags) register(fs *flag.FlagSet) {
	choiceVar(fs, &lf.format, "log-format", envOr("LIFECYCLED_LOG_FORMAT", "auto"),
		"log format: auto (text on a terminal, else JSON), text or json (env LIFECYCLED_LOG_FORMAT)",
		[]string{"auto", "text", "json"}, nil)
	choiceVar(fs, &lf.level, "log-level", envOr("LIFECYCLED_LOG_LEVEL", "info"),
		"log level (env LIFECYCLED_LOG_LEVEL)",
		[]string{"debug", "info", "warn", "error"},
		map[string]string{"DEBUG": "debug", "INFO": "info", "WARN": "warn", "ERROR": "error"})
}

func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

// newLogger builds the process logger: tint on a terminal, JSON lines
// otherwise, with every secret value redacted. It is decided once, here.
func newLogger(w io.Writer, lf logFlags, secrets *secretSet) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(lf.level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", lf.level)
	}
	format := lf.format
	if format == "auto" {
		format = "json"
		if isTerminal(w) {
			format = "text"
		}
	}
	var h slog.Handler
	switch format {
	case "text":
		h = tint.NewTextHandler(w, &tint.Options{Level: level, TimeFormat: "15:04:05.000", NoColor: !isTerminal(w)})
	case "json":
		h = slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})
	default:
		return nil, fmt.Errorf("--log-format %q: want auto, text or json", lf.format)
	}
	return slog.New(newRedactor(h, secrets)), nil
}

// installLogger makes l the default logger, which also routes the standard
// log package (simpleforce logs through it) into slog at debug level.
func installLogger(l *slog.Logger) {
	slog.SetDefault(l)
	log.SetFlags(0)
	log.SetOutput(&stdlogWriter{l.With("component", "simpleforce")})
}

// stdlogWriter forwards standard-library log lines to slog at debug level:
// simpleforce logs every failed request there, and the connector already
// reports those failures with their class.
type stdlogWriter struct{ l *slog.Logger }

func (w *stdlogWriter) Write(p []byte) (int, error) {
	w.l.Debug(strings.TrimSpace(string(p)))
	return len(p), nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// secretSet is the set of values no log line may show. Secrets learnt at run
// time (a rotated refresh token) are added to it.
type secretSet struct {
	mu     sync.RWMutex
	values []string
}

// add records secrets; a multi-line value (a PEM key) adds each line too.
func (s *secretSet) add(values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range values {
		for _, part := range append([]string{v}, strings.Split(v, "\n")...) {
			part = strings.TrimSpace(part)
			// Very short values would redact ordinary words; no real secret
			// is that short. PEM armour lines are not secret.
			if len(part) >= 6 && !strings.HasPrefix(part, "-----") && !slices.Contains(s.values, part) {
				s.values = append(s.values, part)
			}
		}
	}
}

func (s *secretSet) scrub(text string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, secret := range s.values {
		if strings.Contains(text, secret) {
			text = strings.ReplaceAll(text, secret, redacted)
		}
	}
	return text
}

// redactor replaces every known secret value in messages and string
// attributes with [REDACTED] before the next handler sees them.
type redactor struct {
	next    slog.Handler
	secrets *secretSet
}

const redacted = "[REDACTED]"

func newRedactor(next slog.Handler, secrets *secretSet) slog.Handler {
	return &redactor{next: next, secrets: secrets}
}

func (r *redactor) Enabled(ctx context.Context, l slog.Level) bool { return r.next.Enabled(ctx, l) }

func (r *redactor) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, r.scrub(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(r.attr(a))
		return true
	})
	return r.next.Handle(ctx, out)
}

func (r *redactor) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = r.attr(a)
	}
	return &redactor{next: r.next.WithAttrs(clean), secrets: r.secrets}
}

func (r *redactor) WithGroup(name string) slog.Handler {
	return &redactor{next: r.next.WithGroup(name), secrets: r.secrets}
}

// sensitiveKey reports whether an attribute's key names a secret, whose
// value is redacted whatever it is (a token the set has not learnt yet).
func sensitiveKey(key string) bool {
	k := strings.ToLower(key)
	for _, word := range []string{"secret", "password", "token", "authorization", "private_key", "assertion"} {
		if strings.Contains(k, word) {
			return true
		}
	}
	return false
}

func (r *redactor) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	if v.Kind() != slog.KindGroup && sensitiveKey(a.Key) {
		return slog.String(a.Key, redacted)
	}
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, r.scrub(v.String()))
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, ga := range g {
			clean[i] = r.attr(ga)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, r.scrub(err.Error()))
		}
		return slog.String(a.Key, r.scrub(fmt.Sprint(v.Any())))
	default:
		return slog.Attr{Key: a.Key, Value: v}
	}
}

func (r *redactor) scrub(s string) string { return r.secrets.scrub(s) }
