package main

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
	"github.com/lifecycled/lifecycled/internal/store"
)

// TestKillDuringBulkJobConverges kills the daemon (SIGKILL) three times
// while a Bulk API 2.0 ingest job it created runs: each restart polls the
// job it committed to the store and records its results, instead of
// writing the records again. At the end every account holds its expected
// values, no account was written twice, and no write was a no-op.
func TestKillDuringBulkJobConverges(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	srv := newOrg(t, sftest.Options{Accounts: 6000, Seed: 12, BulkPollsToComplete: 6})
	cfgPath, statePath := daemonConfig(t, srv.URL(), clientCredentials...)
	env := []string{"LIFECYCLED_LOG_FORMAT=json"}
	uploads := func() int {
		return srv.Stats().Requests["ingestBatches"][201] + srv.Stats().Requests["ingestBatches"][200]
	}

	d := startDaemon(t, env, cfgPath)
	d.await(t, "an uploaded ingest job", 3*time.Minute, func() bool { return uploads() >= 1 })
	for kill := 1; kill <= 3; kill++ {
		if err := d.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		d.wait()
		if kill == 3 {
			defer func(out string) {
				if t.Failed() {
					t.Logf("last daemon's log:\n%s", out)
				}
			}(d.out.String())
			break
		}
		polls := srv.Stats().Requests["ingestJob"][200]
		d = startDaemon(t, env, cfgPath)
		d.await(t, "a poll of the job after the restart", time.Minute, func() bool { return srv.Stats().Requests["ingestJob"][200] > polls })
	}
	if n := uploads(); n != 1 {
		t.Fatalf("%d ingest uploads before convergence; the restarts must poll the first job, not send it again", n)
	}

	for i := 0; i < 2; i++ {
		r := runBinary(t, env, nil, "sync", "--config", cfgPath)
		if r.code != 0 {
			t.Fatalf("sync %d: exit %d\n%s", i, r.code, r.stderr)
		}
		t.Logf("sync %d: %s", i, r.stdout)
		defer func() {
			if t.Failed() {
				t.Logf("sync %d log:\n%s", i, r.stderr)
			}
		}()
	}
	if bad := mismatches(t, srv, true); bad != 0 {
		t.Fatalf("%d accounts differ from the expectation after the restarts", bad)
	}
	st := srv.Stats()
	if st.NoopWrites != 0 {
		t.Errorf("%d no-op record writes: a write was repeated after a kill", st.NoopWrites)
	}
	writes := map[string]int{}
	for _, w := range srv.WriteLog() {
		if w.Source == "api" {
			writes[w.ID]++
		}
	}
	for id, n := range writes {
		if n > 1 {
			t.Errorf("account %s written %d times", id, n)
		}
	}
	db := store.New(statePath)
	if err := db.OpenReadOnly(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, err := db.OutboxDepth(context.Background()); err != nil || n != 0 {
		t.Errorf("outbox depth = %d, %v; want 0", n, err)
	}
	if job, err := db.JobInFlight(context.Background()); err != nil || job != "" {
		t.Errorf("job in flight = %q, %v; want none", job, err)
	}
}
