package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
	"github.com/lifecycled/lifecycled/internal/oracle"
)

// TestEveryCommandHasHelp: each command prints its usage for --help and
// exits 0; an unknown flag is a usage error (exit 2).
func TestEveryCommandHasHelp(t *testing.T) {
	for name := range commands() {
		r := runBinary(t, nil, nil, name, "--help")
		if r.code != 0 || !strings.Contains(r.stderr+r.stdout, name) {
			t.Errorf("%s --help: exit %d, output %q", name, r.code, r.stderr+r.stdout)
		}
		if r := runBinary(t, nil, nil, name, "--no-such-flag"); r.code != 2 {
			t.Errorf("%s --no-such-flag: exit %d, want 2", name, r.code)
		}
	}
}

// TestPlanSyncStatusExplain drives the commands an admin uses, in order,
// against the emulator: plan writes nothing and predicts the writes sync then
// makes; status shows the run; explain tells why an account has its status.
func TestPlanSyncStatusExplain(t *testing.T) {
	srv := newOrg(t, sftest.Options{Accounts: 600, Seed: 8})
	cfgPath, _ := daemonConfig(t, srv.URL(), clientCredentials...)

	r := runBinary(t, nil, nil, "validate", "--remote", "--config", cfgPath)
	if r.code != 0 || !strings.Contains(r.stdout, "org check passed") {
		t.Fatalf("validate --remote: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	r = runBinary(t, nil, nil, "plan", "--format", "json", "--sample", "5", "--config", cfgPath)
	if r.code != 0 {
		t.Fatalf("plan: exit %d\n%s", r.code, r.stderr)
	}
	var plan struct {
		Accounts int            `json:"accounts"`
		Statuses map[string]int `json:"statuses"`
		Writes   int            `json:"writes"`
		Sample   []struct {
			AccountID string  `json:"account_id"`
			Field     string  `json:"field"`
			New       *string `json:"new"`
		} `json:"sample"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &plan); err != nil {
		t.Fatalf("plan output: %v\n%s", err, r.stdout)
	}
	if st := srv.Stats(); st.Writes != 0 {
		t.Fatalf("plan made %d write requests", st.Writes)
	}
	if plan.Accounts != 600 || plan.Writes == 0 || len(plan.Sample) != 5 {
		t.Fatalf("plan = %+v: want 600 accounts, some writes, 5 sampled changes", plan)
	}
	// CSV has the same figures; text is table's alias.
	r = runBinary(t, nil, nil, "plan", "--format", "csv", "--sample", "5", "--config", cfgPath)
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if r.code != 0 || err != nil || strings.Join(rows[0], ",") != "section,key,count,field,old,new" {
		t.Fatalf("plan --format csv: exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	changes := 0
	for _, row := range rows[1:] {
		switch row[0] {
		case "summary":
			if row[1] == "writes" && row[2] != fmt.Sprint(plan.Writes) {
				t.Errorf("plan csv: writes %s, json %d", row[2], plan.Writes)
			}
		case "status":
			if row[2] != fmt.Sprint(plan.Statuses[row[1]]) {
				t.Errorf("plan csv: status %q %s, json %d", row[1], row[2], plan.Statuses[row[1]])
			}
		case "change":
			changes++
		}
	}
	if changes != 5 {
		t.Errorf("plan csv: %d changes, want 5", changes)
	}
	table := runBinary(t, nil, nil, "plan", "--format", "table", "--config", cfgPath)
	text := runBinary(t, nil, nil, "plan", "--format", "text", "--config", cfgPath)
	if table.code != 0 || text.code != 0 || table.stdout != text.stdout || !strings.HasPrefix(table.stdout, "Plan as of") {
		t.Errorf("plan --format table (exit %d) and text (exit %d) differ:\n%s\n%s", table.code, text.code, table.stdout, text.stdout)
	}
	today := time.Now().UTC()
	wantCounts := map[string]int{}
	for _, rec := range srv.Records("Account") {
		s := ""
		if _, st := oracle.Expect(rec, today); st != nil {
			s = *st
		}
		wantCounts[s]++
	}
	for s, n := range wantCounts {
		if plan.Statuses[s] != n {
			t.Errorf("plan counts %d accounts in status %q, want %d", plan.Statuses[s], s, n)
		}
	}

	r = runBinary(t, nil, nil, "sync", "--config", cfgPath)
	if r.code != 0 {
		t.Fatalf("sync: exit %d\n%s", r.code, r.stderr)
	}
	if got := srv.Stats().RecordWrites; got != plan.Writes {
		t.Fatalf("sync wrote %d records, plan predicted %d", got, plan.Writes)
	}

	r = runBinary(t, nil, nil, "status", "--config", cfgPath)
	if r.code != 0 || !strings.Contains(r.stdout, "full") || !strings.Contains(r.stdout, "Pending writes: 0") {
		t.Fatalf("status: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The same through LIFECYCLED_CONFIG, as JSON and CSV.
	env := []string{"LIFECYCLED_CONFIG=" + cfgPath}
	r = runBinary(t, env, nil, "status", "--format", "json")
	var ops struct {
		Runs []struct {
			Kind, Outcome string
			Written       int
		}
		Pending int
	}
	if err := json.Unmarshal([]byte(r.stdout), &ops); r.code != 0 || err != nil || len(ops.Runs) != 1 ||
		ops.Runs[0].Kind != "full" || ops.Runs[0].Written != plan.Writes || ops.Pending != 0 {
		t.Fatalf("status --format json: exit %d, %v, %+v\n%s%s", r.code, err, ops, r.stdout, r.stderr)
	}
	r = runBinary(t, env, nil, "status", "--format", "csv")
	rows, err = csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if r.code != 0 || err != nil || len(rows) < 3 || strings.Join(rows[0], ",") != "section,day,key,value" ||
		rows[1][0] != "run" || !slices.ContainsFunc(rows, func(row []string) bool { return slices.Equal(row, []string{"pending", "", "", "0"}) }) {
		t.Fatalf("status --format csv: exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}

	change := plan.Sample[0]
	r = runBinary(t, nil, nil, "explain", change.AccountID, "--config", cfgPath)
	if r.code != 0 {
		t.Fatalf("explain: exit %d\n%s", r.code, r.stderr)
	}
	rec, _ := srv.Record("Account", change.AccountID)
	if _, st := oracle.Expect(rec, today); st != nil && !strings.Contains(r.stdout, *st) {
		t.Fatalf("explain does not show the status %q:\n%s", *st, r.stdout)
	}
	for _, f := range []string{oracle.StartDate, oracle.Health} {
		if !strings.Contains(r.stdout, f) && !strings.Contains(r.stdout, strings.ToLower(strings.TrimSuffix(f, "__c"))) {
			t.Errorf("explain does not show the input %s:\n%s", f, r.stdout)
		}
	}
	r = runBinary(t, nil, nil, "explain", change.AccountID, "--config", cfgPath, "--format", "json")
	var ex struct {
		ID     string `json:"id"`
		Result struct {
			Status *string `json:"status"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &ex); r.code != 0 || err != nil || ex.ID != change.AccountID {
		t.Fatalf("explain --format json: exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	r = runBinary(t, nil, nil, "explain", change.AccountID, "--config", cfgPath, "--format", "csv")
	rows, err = csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if r.code != 0 || err != nil || strings.Join(rows[0], ",") != "section,name,detail,value,matched" ||
		!slices.ContainsFunc(rows, func(row []string) bool {
			return row[0] == "result" && row[1] == "status" && row[3] == deref(ex.Result.Status)
		}) {
		t.Fatalf("explain --format csv: exit %d, %v, want a result,status row with %q\n%s%s", r.code, err, deref(ex.Result.Status), r.stdout, r.stderr)
	}
	r = runBinary(t, nil, nil, "explain", "not-an-id", "--config", cfgPath)
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if last := lines[len(lines)-1]; r.code != 1 || !strings.HasPrefix(last, "lifecycled explain: ") || !strings.Contains(last, "not-an-id") {
		t.Fatalf("explain of a bad id: exit %d, stderr %q; want a failure whose last line names the id", r.code, r.stderr)
	}
}

// TestValidateRemoteFindsOrgProblems: validate --remote reports each field
// that does not fit the config and exits non-zero.
func TestValidateRemoteFindsOrgProblems(t *testing.T) {
	schema := sftest.DefaultSchema()
	acct, _ := schema.Object("Account")
	var kept []*sftest.FieldSchema
	for _, f := range acct.Fields {
		switch f.Name {
		case "Last_Activity_Date__c":
			continue // a mapped field the org lacks
		case "Lifecycle_Tags__c":
			f.Length = 40 // too short for every managed tag
		case "Account_Lifecycle_Status__c":
			f.PicklistValues = f.PicklistValues[:len(f.PicklistValues)-1] // "Renewal-High Risk" missing
		}
		kept = append(kept, f)
	}
	acct.Fields = kept
	data, err := json.Marshal(schema)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := sftest.ParseSchema(data)
	if err != nil {
		t.Fatal(err)
	}
	srv := newOrg(t, sftest.Options{Schema: parsed, Accounts: 10, Seed: 1})
	cfgPath, _ := daemonConfig(t, srv.URL(), clientCredentials...)
	r := runBinary(t, nil, nil, "validate", "--remote", "--config", cfgPath)
	if r.code == 0 {
		t.Fatalf("validate --remote passed an org that lacks fields:\n%s", r.stdout)
	}
	for _, want := range []string{"Last_Activity_Date__c", "Lifecycle_Tags__c", `"Renewal-High Risk"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("validate --remote does not report %s:\n%s", want, r.stdout)
		}
	}
	// The daemon refuses to start on such an org.
	if r := runBinary(t, nil, nil, "sync", "--config", cfgPath); r.code == 0 || !strings.Contains(r.stderr, "validate --remote") {
		t.Errorf("sync against a misfit org: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestConfigErrorsAreOneLine: a bad config fails every command with one line
// naming the file, the line and the cause.
func TestConfigErrorsAreOneLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(path, []byte("sync:\n  interval: 5m\n  batchsize: 100\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"validate", "sync", "plan", "run", "status"} {
		r := runBinary(t, nil, nil, cmd, "--config", path)
		line := strings.TrimSpace(r.stderr)
		if r.code != 1 || strings.Contains(line, "\n") || !strings.Contains(line, "bad.yaml:3") || !strings.Contains(line, "batchsize") {
			t.Errorf("%s with a misspelt key: exit %d, stderr %q; want exit 1 and one line naming bad.yaml:3 and the key", cmd, r.code, r.stderr)
		}
	}
	r := runBinary(t, nil, nil, "sync", "--config", filepath.Join(dir, "missing.yaml"))
	if r.code != 1 || !strings.Contains(r.stderr, "missing.yaml") {
		t.Errorf("missing config: exit %d, stderr %q", r.code, r.stderr)
	}

	// A YAML syntax error names the line of the mistake, not the start of
	// the enclosing block: a key one space too deep on line 6.
	syntax := filepath.Join(dir, "syntax.yaml")
	body := "salesforce:\n  login_url: https://acme.my.salesforce.com\n  auth:\n    client_id: x\n    client_secret: y\n     flow: client_credentials\n"
	if err := os.WriteFile(syntax, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	r = runBinary(t, nil, nil, "validate", "--config", syntax)
	if line := strings.TrimSpace(r.stderr); r.code != 1 || strings.Contains(line, "\n") || !strings.Contains(line, "syntax.yaml:6") {
		t.Errorf("YAML syntax error: exit %d, stderr %q; want one line naming syntax.yaml:6", r.code, r.stderr)
	}

	// A secret file is read with a size cap: /dev/zero is an error naming
	// the key, not a process out of memory.
	zero := filepath.Join(dir, "zero.yaml")
	body = "salesforce:\n  login_url: https://acme.my.salesforce.com\n  auth:\n    client_id: x\n    client_secret_file: /dev/zero\n"
	if err := os.WriteFile(zero, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	r = runBinary(t, nil, nil, "sync", "--config", zero)
	if r.code != 1 || !strings.Contains(r.stderr, "client_secret_file") {
		t.Errorf("secret file /dev/zero: exit %d, stderr %q; want an error naming the key", r.code, r.stderr)
	}
}

// TestSecondDaemonRefused: a second daemon on the same state file refuses to
// start with a clear message, while the first keeps running.
func TestSecondDaemonRefused(t *testing.T) {
	srv := newOrg(t, sftest.Options{Accounts: 50, Seed: 1})
	cfgPath, _ := daemonConfig(t, srv.URL(), clientCredentials...)
	d := startDaemon(t, nil, cfgPath)
	d.await(t, "the first cycle", time.Minute, func() bool { return srv.Stats().Writes > 0 })
	r := runBinary(t, nil, nil, "run", "--config", cfgPath)
	if r.code != 1 || !strings.Contains(r.stderr, "state.db") || !strings.Contains(r.stderr, "in use by another lifecycled") {
		t.Fatalf("second daemon: exit %d, stderr %q; want a refusal naming the state file", r.code, r.stderr)
	}
	// status reads the state beside the running daemon.
	if r := runBinary(t, nil, nil, "status", "--config", cfgPath); r.code != 0 {
		t.Fatalf("status beside the daemon: exit %d\n%s", r.code, r.stderr)
	}
	d.stop(t, syscall.SIGTERM)

}

// TestFlagGrammar: one grammar for every command. Help shows every flag as
// --flag; a bad --format, --as-of or --since value is a usage error (exit
// 2, the problem on one line naming --flag, then the usage); --version is
// `version`.
func TestFlagGrammar(t *testing.T) {
	for name := range commands() {
		r := runBinary(t, nil, nil, name, "--help")
		help := r.stderr + r.stdout
		if single := regexp.MustCompile(`(?m)^\s+-[a-z]`).FindString(help); single != "" {
			t.Errorf("%s --help shows a flag with one dash (%q):\n%s", name, single, help)
		}
		if !strings.Contains(help, "Usage: lifecycled "+name) || (name != "version" && !strings.Contains(help, "  --")) {
			t.Errorf("%s --help lacks its usage line or --flags:\n%s", name, help)
		}
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"plan", "--format", "xml"}, `invalid value "xml" for flag --format: want table, json or csv`},
		{[]string{"status", "--format", "text"}, `invalid value "text" for flag --format: want table, json or csv`},
		{[]string{"report", "--format", "yaml"}, `invalid value "yaml" for flag --format: want table, json or csv`},
		{[]string{"history", "--format", "xml", "001A"}, `invalid value "xml" for flag --format`},
		{[]string{"explain", "--format", "xml", "001A"}, `invalid value "xml" for flag --format`},
		{[]string{"plan", "--as-of", "30/06/2024"}, `invalid value "30/06/2024" for flag --as-of: want YYYY-MM-DD`},
		{[]string{"explain", "001A", "--as-of", "tomorrow"}, `invalid value "tomorrow" for flag --as-of`},
		{[]string{"plan", "--sample", "many"}, `invalid value "many" for flag --sample`},
		{[]string{"status", "--log-level", "loud"}, `invalid value "loud" for flag --log-level: want debug, info, warn or error`},
		{[]string{"export", "--no-such-flag"}, `flag provided but not defined: --no-such-flag`},
		{[]string{"plan", "extra"}, `unexpected argument "extra"`},
	} {
		r := runBinary(t, nil, nil, c.args...)
		first, _, _ := strings.Cut(r.stderr, "\n")
		if r.code != 2 || first != "lifecycled "+c.args[0]+": "+c.want && !strings.HasPrefix(first, "lifecycled "+c.args[0]+": "+c.want) ||
			!strings.Contains(r.stderr, "Usage: lifecycled "+c.args[0]) {
			t.Errorf("%v: exit %d, stderr %q; want 2, a first line with %q and the usage", c.args, r.code, r.stderr, c.want)
		}
	}

	v, long := runBinary(t, nil, nil, "version"), runBinary(t, nil, nil, "--version")
	if v.code != 0 || long.code != 0 || v.stdout != long.stdout || !strings.HasPrefix(v.stdout, "lifecycled ") {
		t.Errorf("version (exit %d) %q and --version (exit %d) %q differ", v.code, v.stdout, long.code, long.stdout)
	}
}
