package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/internal/store"
)

// MustOpen opens a new state file in a temporary directory and closes it at
// the end of the test.
func MustOpen(tb testing.TB) *store.DB {
	tb.Helper()
	db := store.New(filepath.Join(tb.TempDir(), "lifecycled.db"))
	if err := db.Open(); err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	return db
}

// MustApply applies changes or fails the test.
func MustApply(tb testing.TB, db *store.DB, changes ...store.Change) {
	tb.Helper()
	if err := db.Apply(context.Background(), changes); err != nil {
		tb.Fatalf("apply: %v", err)
	}
}

func ptr(s string) *string { return &s }

// str renders a *string for messages.
func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return "\"" + *p + "\""
}

func sameStr(a, b *string) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// ts is a time with nanoseconds, in a zone other than UTC, to prove times
// round-trip exactly whatever their location.
func ts(sec int) time.Time {
	zone := time.FixedZone("X", -5*3600)
	return time.Date(2024, 3, 1, 12, 0, sec, 123456789, zone)
}
