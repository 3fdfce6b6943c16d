package store

import (
	"context"
	"path/filepath"
	"testing"
)

func TestWriterPragmas(t *testing.T) {
	db := New(filepath.Join(t.TempDir(), "state.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for _, tc := range []struct {
		pragma, want string
	}{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", "5000"},
		{"synchronous", "1"}, // NORMAL
	} {
		var got string
		if err := db.w.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("PRAGMA %s = %q, want %q", tc.pragma, got, tc.want)
		}
	}
	var ro string
	if err := db.r.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&ro); err != nil || ro != "5000" {
		t.Errorf("reader busy_timeout = %q, %v; want 5000", ro, err)
	}
	if _, err := db.r.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES ('a', 'b')"); err == nil {
		t.Error("the reader pool accepted a write")
	}
}
