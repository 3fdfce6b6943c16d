package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
)

// rewriteConfig writes a copy of the config at cfgPath with old replaced by
// new and returns its path.
func rewriteConfig(t *testing.T, cfgPath, old, new string) string {
	t.Helper()
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("config %s has no %q:\n%s", cfgPath, old, b)
	}
	p := filepath.Join(t.TempDir(), "lifecycled.yaml")
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// lastLine is the last non-empty line of s: the error line of a failed
// command, after its log lines.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestStatePath: a state.path whose directory is missing is created (mode
// 0700) by sync when its parent exists; a deeper missing tree, or a
// directory given as the path, fails naming state.path and what to do.
func TestStatePath(t *testing.T) {
	srv := newOrg(t, sftest.Options{Accounts: 20, Seed: 4})
	cfgPath, statePath := daemonConfig(t, srv.URL(), clientCredentials...)

	t.Run("MissingDirectoryIsCreated", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "state")
		cfg := rewriteConfig(t, cfgPath, statePath, filepath.Join(dir, "lifecycled.db"))
		r := runBinary(t, nil, nil, "sync", "--config", cfg)
		if r.code != 0 {
			t.Fatalf("sync with a missing state directory: exit %d\n%s", r.code, r.stderr)
		}
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o700 {
			t.Errorf("state directory mode = %o, want 700", got)
		}
		if !strings.Contains(r.stderr, "created the state directory") {
			t.Errorf("sync did not log the new directory:\n%s", r.stderr)
		}
		if r := runBinary(t, nil, nil, "status", "--config", cfg); r.code != 0 {
			t.Errorf("status after sync: exit %d\n%s", r.code, r.stderr)
		}
	})

	t.Run("DeeperTreeIsNotCreated", func(t *testing.T) {
		base := t.TempDir()
		dir := filepath.Join(base, "a", "b")
		cfg := rewriteConfig(t, cfgPath, statePath, filepath.Join(dir, "lifecycled.db"))
		before := srv.Stats().Writes
		r := runBinary(t, nil, nil, "sync", "--config", cfg)
		line := lastLine(r.stderr)
		if r.code != 1 || !strings.Contains(line, "state.path") || !strings.Contains(line, "mkdir -p "+dir) {
			t.Errorf("sync = %d %q, want 1 naming state.path and 'mkdir -p %s'", r.code, line, dir)
		}
		if strings.Contains(line, "lock") {
			t.Errorf("error speaks of the lock file: %q", line)
		}
		if _, err := os.Stat(filepath.Join(base, "a")); !os.IsNotExist(err) {
			t.Errorf("sync created %s/a: %v", base, err)
		}
		if n := srv.Stats().Writes - before; n != 0 {
			t.Errorf("sync without a state file made %d write requests", n)
		}
	})

	t.Run("DirectoryAsPath", func(t *testing.T) {
		dir := t.TempDir()
		cfg := rewriteConfig(t, cfgPath, statePath, dir)
		r := runBinary(t, nil, nil, "sync", "--config", cfg)
		line := lastLine(r.stderr)
		if want := filepath.Join(dir, "lifecycled.db"); r.code != 1 || !strings.Contains(line, "state.path "+dir+" is a directory") || !strings.Contains(line, want) {
			t.Errorf("sync = %d %q, want 1 saying state.path is a directory and suggesting %s", r.code, line, want)
		}
	})
}

// TestReadOnlyCommandsBeforeSync: status, report and history before any
// sync say that there is no state yet and which command makes it, in one
// line, whether or not the state directory exists.
func TestReadOnlyCommandsBeforeSync(t *testing.T) {
	srv := newOrg(t, sftest.Options{Accounts: 5, Seed: 4})
	cfgPath, statePath := daemonConfig(t, srv.URL(), clientCredentials...)
	noDir := rewriteConfig(t, cfgPath, statePath, filepath.Join(t.TempDir(), "missing", "lifecycled.db"))
	for _, cfg := range []string{cfgPath, noDir} {
		for _, args := range [][]string{{"status"}, {"report"}, {"history", "001Dn0000000000IAA"}} {
			r := runBinary(t, nil, nil, append(args, "--config", cfg)...)
			msg := strings.TrimSpace(r.stderr)
			if r.code != 1 || strings.Contains(msg, "\n") {
				t.Errorf("%s before sync: exit %d, %q; want 1 and one line", args[0], r.code, msg)
				continue
			}
			for _, want := range []string{"no state yet", "state.path", "lifecycled sync", "lifecycled run"} {
				if !strings.Contains(msg, want) {
					t.Errorf("%s before sync: %q lacks %q", args[0], msg, want)
				}
			}
			for _, bad := range []string{"sqlite", "stat ", "open state file"} {
				if strings.Contains(strings.ToLower(msg), bad) {
					t.Errorf("%s before sync: %q shows %q", args[0], msg, bad)
				}
			}
		}
	}
	if _, err := os.Stat(statePath); !os.IsNotExist(err) {
		t.Errorf("a read-only command created the state file: %v", err)
	}
}

// TestDescribeFailureMessages: a describe failure is reported with its
// prefix once, and says what the 404 means; an api_version the org does not
// serve says so, with the highest version it serves (the emulator serves
// 31.0 to 66.0).
func TestDescribeFailureMessages(t *testing.T) {
	srv := newOrg(t, sftest.Options{Accounts: 5, Seed: 4})
	cfgPath, _ := daemonConfig(t, srv.URL(), clientCredentials...)

	noObject := rewriteConfig(t, cfgPath, "salesforce:\n", "salesforce:\n  object: Subscription__c\n")
	for _, args := range [][]string{{"sync"}, {"plan"}, {"validate", "--remote"}, {"export"}, {"explain", "001Dn0000000000IAA"}} {
		r := runBinary(t, nil, nil, append(args, "--config", noObject)...)
		line := lastLine(r.stderr)
		if r.code != 1 || strings.Count(line, "describe Subscription__c") != 1 || strings.Count(line, "NOT_FOUND") != 1 {
			t.Errorf("%s with a missing object = %d %q, want 1 and the describe prefix once", args[0], r.code, line)
		}
		if !strings.Contains(line, "no object Subscription__c") {
			t.Errorf("%s: %q does not say the org has no such object", args[0], line)
		}
	}

	badVersion := rewriteConfig(t, cfgPath, `api_version: "62.0"`, `api_version: "99.0"`)
	for _, args := range [][]string{{"sync"}, {"validate", "--remote"}, {"plan"}} {
		r := runBinary(t, nil, nil, append(args, "--config", badVersion)...)
		want := `lifecycled ` + args[0] + `: salesforce.api_version "99.0" is not served by this org; the highest it serves is 66.0`
		if got := lastLine(r.stderr); r.code != 1 || got != want {
			t.Errorf("%s with api_version 99.0 = %d %q, want 1 %q", args[0], r.code, got, want)
		}
	}
	// An old version the org still serves works.
	if r := runBinary(t, nil, nil, "validate", "--remote", "--config",
		rewriteConfig(t, cfgPath, `api_version: "62.0"`, `api_version: "31.0"`)); r.code != 0 {
		t.Errorf("validate --remote with api_version 31.0: exit %d\n%s", r.code, r.stderr)
	}
}

// TestAccountIDArgument: explain and history without an account Id say so
// in words, then show the usage, and exit 2; two Ids are refused too.
func TestAccountIDArgument(t *testing.T) {
	for _, name := range []string{"explain", "history"} {
		r := runBinary(t, nil, nil, name, "--config", "/nonexistent/lifecycled.yaml")
		lines := strings.SplitN(r.stderr, "\n", 2)
		if want := name + " needs an account Id: lifecycled " + name + " ACCOUNT_ID"; r.code != 2 || lines[0] != want {
			t.Errorf("%s without an Id = %d %q, want 2 %q", name, r.code, lines[0], want)
		}
		if len(lines) < 2 || !strings.HasPrefix(lines[1], "Usage: lifecycled "+name) {
			t.Errorf("%s without an Id: no usage after the message:\n%s", name, r.stderr)
		}
		r = runBinary(t, nil, nil, name, "001A", "001B")
		if first := strings.SplitN(r.stderr, "\n", 2)[0]; r.code != 2 || !strings.Contains(first, "one account Id at a time, got 2") {
			t.Errorf("%s with two Ids = %d %q, want 2", name, r.code, first)
		}
	}
}

// TestConfigFlagHelp: --help names the config flag's argument FILE.
func TestConfigFlagHelp(t *testing.T) {
	for _, name := range []string{"status", "sync", "explain"} {
		r := runBinary(t, nil, nil, name, "--help")
		if !strings.Contains(r.stderr, "  --config FILE\n") || strings.Contains(r.stderr, "--config string") {
			t.Errorf("%s --help does not show --config FILE:\n%s", name, r.stderr)
		}
	}
}

// TestHistoryFirstEntryShowsCRMValue: an account's first history entry
// starts from the status Salesforce held before lifecycled's first write.
func TestHistoryFirstEntryShowsCRMValue(t *testing.T) {
	srv := newOrg(t, sftest.Options{Accounts: 30, Seed: 4})
	cfgPath, _ := daemonConfig(t, srv.URL(), clientCredentials...)
	const old = "Core-Poor" // allowed for every record type
	var ids []string
	for _, rec := range srv.Records("Account") {
		id := rec["Id"].(string)
		if err := srv.Update("Account", id, map[string]any{"Account_Lifecycle_Status__c": old}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if r := runBinary(t, nil, nil, "sync", "--config", cfgPath); r.code != 0 {
		t.Fatalf("sync: exit %d\n%s", r.code, r.stderr)
	}
	checked := 0
	for _, id := range ids {
		rec, _ := srv.Record("Account", id)
		now, _ := rec["Account_Lifecycle_Status__c"].(string)
		if now == old || now == "" {
			continue // no new status, or a write that cleared it
		}
		checked++
		r := runBinary(t, nil, nil, "history", id, "--format", "json", "--config", cfgPath)
		var h struct {
			Changes []struct {
				Kind     string
				From, To *string
			}
		}
		if err := json.Unmarshal([]byte(r.stdout), &h); r.code != 0 || err != nil || len(h.Changes) == 0 {
			t.Fatalf("history %s: exit %d, %v\n%s%s", id, r.code, err, r.stdout, r.stderr)
		}
		first := h.Changes[0]
		if first.Kind != "change" || first.From == nil || *first.From != old || first.To == nil || *first.To != now {
			t.Errorf("history %s: first entry %s %v -> %v, want change %q -> %q", id, first.Kind, deref(first.From), deref(first.To), old, now)
		}
		r = runBinary(t, nil, nil, "history", id, "--config", cfgPath)
		row := regexp.MustCompile(`(?m)^change\s+` + regexp.QuoteMeta(old) + `\s+` + regexp.QuoteMeta(now) + `\s`)
		if !row.MatchString(r.stdout) || strings.Contains(r.stdout, "(none)") {
			t.Errorf("history %s table does not show %s -> %s:\n%s", id, old, now, r.stdout)
		}
		if checked == 3 {
			break
		}
	}
	if checked == 0 {
		t.Fatal("sync changed no account's status: nothing to check")
	}
}
