package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/internal/store"
)

func TestRuns(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	now := ts(0)
	db.Now = func() time.Time { return now }

	if _, err := db.LastSuccess(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("last success of no runs: err = %v, want ErrNotFound", err)
	}
	r1, err := db.StartRun(ctx, "full")
	if err != nil {
		t.Fatal(err)
	}
	if r1.ID == 0 || r1.Kind != "full" || !r1.Started.Equal(now) || r1.Outcome != store.OutcomeRunning {
		t.Fatalf("started run = %+v", r1)
	}
	r1.Ended, r1.AsOf, r1.Outcome = ts(9), "2024-03-01", store.OutcomeOK
	r1.Pulled, r1.Computed, r1.Changed, r1.Written, r1.Failed = 1, 2, 3, 4, 5
	r1.Rejected, r1.Drift, r1.Deleted, r1.APICalls = 6, 7, 8, 9
	if err := db.FinishRun(ctx, r1); err != nil {
		t.Fatal(err)
	}

	now = ts(10)
	r2, err := db.StartRun(ctx, "incremental")
	if err != nil {
		t.Fatal(err)
	}
	r2.Ended, r2.Outcome, r2.Error = ts(11), "failed", "query accounts: boom"
	if err := db.FinishRun(ctx, r2); err != nil {
		t.Fatal(err)
	}

	runs, err := db.Runs(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].ID != r2.ID || runs[1].ID != r1.ID {
		t.Fatalf("runs = %+v, want newest first", runs)
	}
	for i, want := range []store.Run{r2, r1} {
		got := runs[i]
		if !got.Started.Equal(want.Started) || !got.Ended.Equal(want.Ended) {
			t.Errorf("run %d times %v..%v, want %v..%v", want.ID, got.Started, got.Ended, want.Started, want.Ended)
		}
		got.Started, got.Ended, want.Started, want.Ended = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("run = %+v, want %+v", got, want)
		}
	}
	if one, err := db.Runs(ctx, 1); err != nil || len(one) != 1 || one[0].ID != r2.ID {
		t.Fatalf("runs limit 1 = %+v, %v", one, err)
	}
	last, err := db.LastSuccess(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if last.ID != r1.ID {
		t.Fatalf("last success = run %d, want %d (the failed run does not count)", last.ID, r1.ID)
	}
	if err := db.FinishRun(ctx, store.Run{ID: 999}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("finish of an unknown run: err = %v, want ErrNotFound", err)
	}
}

func TestRunInterruptedByCrash(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	db := store.New(path)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	r, err := db.StartRun(ctx, "full")
	if err != nil {
		t.Fatal(err)
	}
	// The process "dies": the run is never finished.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runs, err := db.Runs(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].ID != r.ID || runs[0].Outcome != store.OutcomeInterrupted || runs[0].Error == "" {
		t.Fatalf("runs after restart = %+v, want run %d interrupted", runs, r.ID)
	}
}
