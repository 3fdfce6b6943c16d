package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifecycled/lifecycled/internal/store"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()

	t.Run("MigrationsIdempotentAcrossReopen", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "state.db")
		for i := range 3 {
			db := store.New(path)
			if err := db.Open(); err != nil {
				t.Fatalf("open #%d: %v", i, err)
			}
			if i == 0 {
				if err := db.SetMeta(ctx, "k", "v"); err != nil {
					t.Fatal(err)
				}
			}
			if got, err := db.Meta(ctx, "k"); err != nil || got != "v" {
				t.Fatalf("open #%d: meta k = %q, %v; want \"v\"", i, got, err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
		}
		raw, err := sql.Open("sqlite3", path)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		var n int
		if err := raw.QueryRow(`SELECT count(*) FROM migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob("migrations/*.sql")
		if n != len(files) || n == 0 {
			t.Fatalf("migrations recorded = %d, want %d (one per file, once)", n, len(files))
		}
		var mode string
		if err := raw.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if mode != "wal" {
			t.Fatalf("journal_mode = %q, want wal", mode)
		}
	})

	t.Run("FilesArePrivate", func(t *testing.T) {
		db := MustOpen(t)
		if err := db.SaveRefreshToken(ctx, "secret"); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{db.Path, db.Path + ".lock", db.Path + "-wal", db.Path + "-shm"} {
			fi, err := os.Stat(name)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != 0o600 {
				t.Errorf("%s mode = %o, want 600", filepath.Base(name), got)
			}
		}
	})

	t.Run("ExistingFileMadePrivate", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "state.db")
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		db := store.New(path)
		if err := db.Open(); err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Fatalf("mode = %o, want 600", got)
		}
	})

	t.Run("SecondOpenFailsUntilClose", func(t *testing.T) {
		db := MustOpen(t)
		second := store.New(db.Path)
		err := second.Open()
		if !errors.Is(err, store.ErrLocked) {
			t.Fatalf("second open: err = %v, want ErrLocked", err)
		}
		want := fmt.Sprintf("state file %s is in use by another lifecycled (pid %d)", db.Path, os.Getpid())
		if err.Error() != want {
			t.Fatalf("second open: err = %q, want %q", err, want)
		}
		var le *store.LockedError
		if !errors.As(err, &le) || le.PID != os.Getpid() {
			t.Fatalf("second open: LockedError = %+v", le)
		}
		if err := second.Close(); err != nil {
			t.Fatalf("close of a failed open: %v", err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if err := second.Open(); err != nil {
			t.Fatalf("open after close: %v", err)
		}
		if err := second.Close(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("CloseIdempotentAndSafeBeforeOpen", func(t *testing.T) {
		db := store.New(filepath.Join(t.TempDir(), "state.db"))
		if err := db.Close(); err != nil {
			t.Fatalf("close before open: %v", err)
		}
		if _, err := db.Meta(ctx, "k"); !errors.Is(err, store.ErrNotOpen) {
			t.Fatalf("meta before open: err = %v, want ErrNotOpen", err)
		}
		if err := db.SetMeta(ctx, "k", "v"); !errors.Is(err, store.ErrNotOpen) {
			t.Fatalf("set meta before open: err = %v, want ErrNotOpen", err)
		}
		if err := db.Open(); err != nil {
			t.Fatal(err)
		}
		if err := db.Open(); err == nil {
			t.Fatal("second Open of the same DB succeeded")
		}
		for i := range 2 {
			if err := db.Close(); err != nil {
				t.Fatalf("close #%d: %v", i, err)
			}
		}
		if err := db.Ping(ctx); !errors.Is(err, store.ErrNotOpen) {
			t.Fatalf("ping after close: err = %v, want ErrNotOpen", err)
		}
	})

	t.Run("PathWithURICharacters", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "a?b#c%20d")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "state.db")
		db := store.New(path)
		if err := db.Open(); err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.SetMeta(ctx, "k", "v"); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("state file not at its path: %v", err)
		}
	})
}

func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()

	t.Run("ReadsBesideTheDaemonAndRefusesWrites", func(t *testing.T) {
		db := MustOpen(t)
		MustApply(t, db, store.Change{Account: store.Account{ID: "001A", DesiredStatus: ptr("Onboarding")}})

		ro := store.New(db.Path)
		if err := ro.OpenReadOnly(); err != nil {
			t.Fatalf("open read-only while locked: %v", err)
		}
		defer ro.Close()
		a, err := ro.Account(ctx, "001A")
		if err != nil {
			t.Fatal(err)
		}
		if got := str(a.DesiredStatus); got != `"Onboarding"` {
			t.Fatalf("desired status = %s", got)
		}
		// Writes by the daemon after the read-only open are seen.
		MustApply(t, db, store.Change{Account: store.Account{ID: "001B"}})
		if n, err := ro.CountAccounts(ctx); err != nil || n != 2 {
			t.Fatalf("count = %d, %v; want 2", n, err)
		}

		writes := map[string]error{
			"SetMeta":          ro.SetMeta(ctx, "k", "v"),
			"SaveRefreshToken": ro.SaveRefreshToken(ctx, "t"),
			"Apply":            ro.Apply(ctx, []store.Change{{Account: store.Account{ID: "001C"}}}),
			"Forget":           ro.Forget(ctx, []string{"001A"}),
			"SaveSnapshot":     ro.SaveSnapshot(ctx, store.Snapshot{Day: "2024-01-01"}),
			"CompleteWrites":   ro.CompleteWrites(ctx, []store.Written{{AccountID: "001A"}}),
			"DeferWrites":      ro.DeferWrites(ctx, []store.Deferred{{AccountID: "001A"}}),
			"RejectWrites":     ro.RejectWrites(ctx, []store.Rejection{{AccountID: "001A"}}),
		}
		_, err = ro.StartRun(ctx, "full")
		writes["StartRun"] = err
		writes["FinishRun"] = ro.FinishRun(ctx, store.Run{ID: 1})
		for name, err := range writes {
			if !errors.Is(err, store.ErrReadOnly) {
				t.Errorf("%s on a read-only DB: err = %v, want ErrReadOnly", name, err)
			}
		}
		if n, err := db.CountAccounts(ctx); err != nil || n != 2 {
			t.Fatalf("count after refused writes = %d, %v; want 2", n, err)
		}
	})

	t.Run("AfterTheDaemonStopped", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "state.db")
		db := store.New(path)
		if err := db.Open(); err != nil {
			t.Fatal(err)
		}
		if err := db.SetMeta(ctx, "k", "v"); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		ro := store.New(path)
		if err := ro.OpenReadOnly(); err != nil {
			t.Fatal(err)
		}
		defer ro.Close()
		if got, err := ro.Meta(ctx, "k"); err != nil || got != "v" {
			t.Fatalf("meta = %q, %v", got, err)
		}
		// The daemon can start while a reader is open.
		if err := db.Open(); err != nil {
			t.Fatalf("open beside a reader: %v", err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("MissingFile", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "none.db")
		err := store.New(path).OpenReadOnly()
		if !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("err = %v, want not exist", err)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("read-only open created the file")
		}
	})

	t.Run("NotALifecycledFile", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "empty.db")
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		err := store.New(path).OpenReadOnly()
		if err == nil || !strings.Contains(err.Error(), "no lifecycled schema") {
			t.Fatalf("err = %v, want no lifecycled schema", err)
		}
	})
}
