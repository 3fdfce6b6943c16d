package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/internal/report"
	"github.com/lifecycled/lifecycled/internal/store"
)

// opsFixture is a state file filled through the store's API, held open by
// this process as a daemon would hold it, and a config file pointing at it.
type opsFixture struct {
	db      *store.DB
	config  string
	history string // an account with status changes
}

// mustOpsFixture writes 300 accounts over the default statuses, a custom
// one and none; 40 daily snapshots up to today; runs; rejections; pending
// writes; and three history entries for one account.
func mustOpsFixture(t *testing.T) opsFixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db := store.New(filepath.Join(dir, "state.db"))
	if err := db.Open(); err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Now().UTC()
	today := now.Format(time.DateOnly)
	statuses := append(report.DefaultStatuses(), "Custom Value", "")
	var changes []store.Change
	for i := range 300 {
		st := statuses[(i*7+i/11)%len(statuses)]
		a := store.Account{ID: fmt.Sprintf("001F%06d", i), Record: json.RawMessage(`{"Name":"x"}`), Modstamp: now, AsOf: today}
		if st != "" {
			a.DesiredStatus = &st
			a.CRMStatus = &st
		}
		c := store.Change{Account: a}
		if i%30 == 1 {
			c.Outbox = &store.OutboxEntry{WriteStatus: true, Status: a.DesiredStatus, NextAttempt: now, Created: now}
		}
		changes = append(changes, c)
	}
	hist := "001F000007"
	from, to := "30 Day OnBoard-Good", "60 Day OnBoard-Poor"
	for i, c := range changes {
		if c.Account.ID != hist {
			continue
		}
		changes[i].History = []store.HistoryEntry{
			{Kind: "change", To: &from, At: now.Add(-48 * time.Hour), AsOf: now.Add(-48 * time.Hour).Format(time.DateOnly), Inputs: json.RawMessage(`{"seats":10}`)},
			{Kind: "change", From: &from, To: &to, At: now.Add(-24 * time.Hour), AsOf: now.Add(-24 * time.Hour).Format(time.DateOnly)},
			{Kind: "drift", From: &from, To: &to, At: now, AsOf: today},
		}
	}
	if err := db.Apply(ctx, changes); err != nil {
		t.Fatalf("apply: %v", err)
	}
	for d := range 40 {
		s := store.Snapshot{Day: now.AddDate(0, 0, d-39).Format(time.DateOnly), Counts: map[string]int{}}
		for i, st := range statuses[:len(statuses)-1] {
			s.Counts[st] = 1 + (d+i)%9
		}
		if err := db.SaveSnapshot(ctx, s); err != nil {
			t.Fatalf("snapshot: %v", err)
		}
	}
	for i := range 3 {
		r, err := db.StartRun(ctx, "full")
		if err != nil {
			t.Fatal(err)
		}
		r.Ended, r.Outcome, r.Written = r.Started.Add(time.Second), store.OutcomeOK, 10+i
		if err := db.FinishRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.RejectWrites(ctx, []store.Rejection{
		{AccountID: "001F000002", Field: "Account_Lifecycle_Status__c", Code: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", Message: "bad value"},
		{AccountID: "001F000003", Field: "Lifecycle_Tags__c", Code: "STRING_TOO_LONG", Message: "too long"},
	}); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "lifecycled.yaml")
	yaml := fmt.Sprintf("salesforce:\n  auth:\n    client_id: test-client\n    client_secret: test-secret\nstate:\n  path: %s\n", db.Path)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return opsFixture{db: db, config: cfg, history: hist}
}

func TestReportCommand(t *testing.T) {
	ctx := context.Background()
	fx := mustOpsFixture(t)
	counts, err := fx.db.StatusCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("JSON", func(t *testing.T) {
		res := runBinary(t, nil, nil, "report", "--config", fx.config, "--format", "json")
		if res.code != 0 {
			t.Fatalf("report = %d\n%s", res.code, res.stderr)
		}
		var f report.Figures
		if err := json.Unmarshal([]byte(res.stdout), &f); err != nil {
			t.Fatalf("report json: %v\n%s", err, res.stdout)
		}
		seen := 0
		for _, s := range f.Statuses {
			if s.Accounts != counts[s.Status] {
				t.Errorf("status %q = %d, store has %d", s.Status, s.Accounts, counts[s.Status])
			}
			seen++
		}
		if want := len(counts) - 1; seen != want { // every status but ""
			t.Errorf("%d statuses, store has %d", seen, want)
		}
		if f.NoStatus != counts[""] {
			t.Errorf("no status = %d, store has %d", f.NoStatus, counts[""])
		}
		snaps, err := fx.db.Snapshots(ctx, f.Since)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.History) != len(snaps) || len(snaps) != 40 {
			t.Errorf("history has %d days, store has %d since %s (want 40)", len(f.History), len(snaps), f.Since)
		}
		depth, _ := fx.db.OutboxDepth(ctx)
		if f.Pending != depth || f.Rejected != 2 || len(f.Runs) != 3 {
			t.Errorf("pending %d (store %d), rejected %d (want 2), runs %d (want 3)", f.Pending, depth, f.Rejected, len(f.Runs))
		}
	})

	t.Run("CSV", func(t *testing.T) {
		res := runBinary(t, nil, nil, "report", "--config", fx.config, "--format", "csv", "--since", time.Now().UTC().AddDate(0, 0, -9).Format(time.DateOnly))
		if res.code != 0 {
			t.Fatalf("report = %d\n%s", res.code, res.stderr)
		}
		rows, err := csv.NewReader(strings.NewReader(res.stdout)).ReadAll()
		if err != nil {
			t.Fatalf("csv: %v", err)
		}
		days := map[string]bool{}
		for _, r := range rows[1:] {
			switch r[0] {
			case "status":
				if n, _ := strconv.Atoi(r[3]); n != counts[r[2]] {
					t.Errorf("csv status %q = %s, store has %d", r[2], r[3], counts[r[2]])
				}
			case "history":
				days[r[1]] = true
			}
		}
		if len(days) != 10 {
			t.Errorf("--since 9 days ago: %d history days, want 10", len(days))
		}
	})

	t.Run("Table", func(t *testing.T) {
		res := runBinary(t, nil, nil, "report", "--config", fx.config)
		if res.code != 0 {
			t.Fatalf("report = %d\n%s", res.code, res.stderr)
		}
		for _, s := range []string{"Paying accounts per lifecycle status", "Custom Value", "Did our latest customers onboard well?", "Pending writes: 10"} {
			if !strings.Contains(res.stdout, s) {
				t.Errorf("table lacks %q:\n%s", s, res.stdout)
			}
		}
		if strings.Contains(res.stdout+res.stderr, "test-secret") {
			t.Error("the report shows the client secret")
		}
	})

	t.Run("Errors", func(t *testing.T) {
		for _, c := range []struct {
			args []string
			code int
			want string
		}{
			{[]string{"--format", "xml"}, 2, `invalid value "xml" for flag --format: want table, json or csv`},
			{[]string{"--since", "yesterday"}, 2, `invalid value "yesterday" for flag --since: want YYYY-MM-DD`},
			{[]string{"extra"}, 2, "Usage: lifecycled report"},
		} {
			res := runBinary(t, nil, nil, append([]string{"report", "--config", fx.config}, c.args...)...)
			if res.code != c.code || !strings.Contains(res.stderr, c.want) {
				t.Errorf("report %v = %d %q, want %d and %q", c.args, res.code, res.stderr, c.code, c.want)
			}
		}
		missing := filepath.Join(t.TempDir(), "lifecycled.yaml")
		if err := os.WriteFile(missing, []byte("salesforce:\n  auth:\n    client_id: a\n    client_secret: b\nstate:\n  path: "+filepath.Join(t.TempDir(), "none.db")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		res := runBinary(t, nil, nil, "report", "--config", missing)
		if res.code != 1 || !strings.Contains(res.stderr, "no state yet") || strings.Count(strings.TrimSpace(res.stderr), "\n") != 0 {
			t.Errorf("report without a state file = %d %q, want 1 and one line naming the state", res.code, res.stderr)
		}
	})
}

func TestHistoryCommand(t *testing.T) {
	fx := mustOpsFixture(t)
	want, err := fx.db.History(context.Background(), fx.history)
	if err != nil || len(want) != 3 {
		t.Fatalf("history in the store: %d entries, %v", len(want), err)
	}

	t.Run("Table", func(t *testing.T) {
		// Flags may follow the account id.
		res := runBinary(t, nil, nil, "history", fx.history, "--config", fx.config)
		if res.code != 0 {
			t.Fatalf("history = %d\n%s", res.code, res.stderr)
		}
		acct, err := fx.db.Account(context.Background(), fx.history)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
		if len(lines) != 5 || !strings.Contains(lines[0], *acct.DesiredStatus) || !strings.HasPrefix(lines[1], "KIND") {
			t.Fatalf("history table:\n%s", res.stdout)
		}
		for i, h := range want {
			f := strings.Fields(lines[2+i])
			if f[0] != h.Kind || !strings.Contains(lines[2+i], h.AsOf) {
				t.Errorf("row %d = %q, want kind %s as of %s", i, lines[2+i], h.Kind, h.AsOf)
			}
		}
		if !strings.Contains(lines[2], "(none)") {
			t.Errorf("first change from nothing: %q", lines[2])
		}
	})

	t.Run("JSON", func(t *testing.T) {
		res := runBinary(t, nil, nil, "history", "--config", fx.config, "--format", "json", fx.history)
		if res.code != 0 {
			t.Fatalf("history = %d\n%s", res.code, res.stderr)
		}
		var got struct {
			AccountID string `json:"account_id"`
			Changes   []struct {
				Kind   string          `json:"kind"`
				From   *string         `json:"from"`
				To     *string         `json:"to"`
				At     time.Time       `json:"at"`
				AsOf   string          `json:"as_of"`
				Inputs json.RawMessage `json:"inputs"`
			} `json:"changes"`
		}
		if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
			t.Fatalf("history json: %v\n%s", err, res.stdout)
		}
		if got.AccountID != fx.history || len(got.Changes) != len(want) {
			t.Fatalf("history json = %+v", got)
		}
		for i, h := range want {
			c := got.Changes[i]
			if c.Kind != h.Kind || !c.At.Equal(h.At) || c.AsOf != h.AsOf {
				t.Errorf("change %d = %+v, store has %+v", i, c, h)
			}
		}
		var inputs bytes.Buffer
		if err := json.Compact(&inputs, got.Changes[0].Inputs); err != nil || inputs.String() != `{"seats":10}` {
			t.Errorf("inputs = %s, want {\"seats\":10}", got.Changes[0].Inputs)
		}
	})

	t.Run("CSV", func(t *testing.T) {
		res := runBinary(t, nil, nil, "history", fx.history, "--config", fx.config, "--format", "csv")
		rows, err := csv.NewReader(strings.NewReader(res.stdout)).ReadAll()
		if res.code != 0 || err != nil || len(rows) != len(want)+1 || strings.Join(rows[0], ",") != "account_id,kind,from,to,at,as_of" {
			t.Fatalf("history csv = %d, %v\n%s%s", res.code, err, res.stdout, res.stderr)
		}
		for i, h := range want {
			row := rows[i+1]
			at, err := time.Parse(time.RFC3339, row[4])
			if row[0] != fx.history || row[1] != h.Kind || row[2] != deref(h.From) || row[3] != deref(h.To) ||
				err != nil || !at.Equal(h.At.Truncate(time.Second)) || row[5] != h.AsOf {
				t.Errorf("row %d = %q, store has %+v", i+1, row, h)
			}
		}
	})

	t.Run("AccountWithoutChanges", func(t *testing.T) {
		res := runBinary(t, nil, nil, "history", "--config", fx.config, "001F000000")
		if res.code != 0 || !strings.Contains(res.stdout, "No status change recorded.") {
			t.Errorf("history of a quiet account = %d %q", res.code, res.stdout)
		}
	})

	t.Run("Errors", func(t *testing.T) {
		res := runBinary(t, nil, nil, "history", "--config", fx.config, "001NOPE")
		if res.code != 1 || !strings.Contains(res.stderr, "001NOPE is not in the state file") {
			t.Errorf("history of an unknown account = %d %q", res.code, res.stderr)
		}
		for _, args := range [][]string{{}, {"a", "b"}, {"a", "--format", "yaml"}} {
			res := runBinary(t, nil, nil, append([]string{"history", "--config", fx.config}, args...)...)
			if res.code != 2 {
				t.Errorf("history %v = %d, want 2", args, res.code)
			}
		}
	})
}
