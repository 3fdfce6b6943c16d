package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
)

// orgWithRecordTypes starts an emulated org whose Account has RecordTypeId
// (added to the default schema when it lacks the field).
func orgWithRecordTypes(t *testing.T, opts sftest.Options) *sftest.Server {
	t.Helper()
	schema := sftest.DefaultSchema()
	acct, _ := schema.Object("Account")
	has := false
	for _, f := range acct.Fields {
		has = has || f.Name == "RecordTypeId"
	}
	if !has {
		acct.Fields = append(acct.Fields, &sftest.FieldSchema{Name: "RecordTypeId", Label: "Record Type ID",
			Type: "reference", Length: 18, Updateable: true, Nillable: true})
	}
	data, err := json.Marshal(schema)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Schema, err = sftest.ParseSchema(data); err != nil {
		t.Fatal(err)
	}
	return newOrg(t, opts)
}

// TestExportEvalMatchesPlan: export writes every account of the org as a JSON
// line without "attributes", with the fields eval needs, and eval over that
// file counts the same statuses as plan for the same as-of date.
func TestExportEvalMatchesPlan(t *testing.T) {
	srv := orgWithRecordTypes(t, sftest.Options{Accounts: 700, Seed: 12})
	cfgPath, _ := daemonConfig(t, srv.URL(), clientCredentials...)
	const asOf = "2024-09-15"
	out := filepath.Join(t.TempDir(), "accounts.jsonl")

	r := runBinary(t, nil, nil, "export", "--config", cfgPath, "--out", out)
	if r.code != 0 {
		t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("export --out wrote to stdout: %q", r.stdout)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// Every line is one record of the org, as the emulator holds it.
	ids := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %d: %v", len(ids)+1, err)
		}
		if _, ok := rec["attributes"]; ok {
			t.Fatalf("line %d keeps attributes: %s", len(ids)+1, sc.Text())
		}
		for _, f := range []string{"Id", "SystemModstamp", "RecordTypeId", "Lifecycle_Tags__c", "Account_Lifecycle_Status__c",
			"Paying_Customer__c", "Licensed_Seats__c"} {
			if _, ok := rec[f]; !ok {
				t.Fatalf("line %d lacks %s: %s", len(ids)+1, f, sc.Text())
			}
		}
		id, _ := rec["Id"].(string)
		if !strings.HasPrefix(sc.Text(), `{"Id":`) || ids[id] {
			t.Fatalf("line %d: want Id first and once per file: %s", len(ids)+1, sc.Text())
		}
		ids[id] = true
		want, ok := srv.Record("Account", id)
		if !ok {
			t.Fatalf("line %d: no account %s in the org", len(ids), id)
		}
		if got, want := rec["Licensed_Seats__c"], want["Licensed_Seats__c"]; got != want {
			t.Fatalf("account %s: Licensed_Seats__c = %v, the org has %v", id, got, want)
		}
	}
	if got := len(srv.Records("Account")); len(ids) != got {
		t.Fatalf("export wrote %d accounts, the org has %d", len(ids), got)
	}
	if st := srv.Stats(); st.Writes != 0 {
		t.Fatalf("export made %d write requests", st.Writes)
	}

	// To stdout, the same lines.
	if r := runBinary(t, nil, nil, "export", "--config", cfgPath); r.code != 0 || r.stdout != string(data) {
		t.Errorf("export to stdout: exit %d, %d bytes, want the %d bytes of --out\n%s", r.code, len(r.stdout), len(data), r.stderr)
	}

	r = runBinary(t, nil, nil, "eval", "--config", cfgPath, "--as-of", asOf, out)
	if r.code != 0 {
		t.Fatalf("eval: exit %d\n%s", r.code, r.stderr)
	}
	counts := map[string]int{}
	for _, l := range decodeEvalOutput(t, r.stdout) {
		counts[deref(l.Status)]++
	}
	r = runBinary(t, nil, nil, "plan", "--config", cfgPath, "--as-of", asOf, "--format", "json")
	if r.code != 0 {
		t.Fatalf("plan: exit %d\n%s", r.code, r.stderr)
	}
	var plan struct {
		Accounts int            `json:"accounts"`
		Statuses map[string]int `json:"statuses"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &plan); err != nil {
		t.Fatal(err)
	}
	if plan.Accounts != len(ids) || len(plan.Statuses) < 3 {
		t.Fatalf("plan: %d accounts in %d statuses, export wrote %d", plan.Accounts, len(plan.Statuses), len(ids))
	}
	for _, m := range []map[string]int{plan.Statuses, counts} {
		for st := range m {
			if counts[st] != plan.Statuses[st] {
				t.Errorf("status %q: eval over the export counts %d, plan %d", st, counts[st], plan.Statuses[st])
			}
		}
	}
}

// TestExportErrors: export refuses arguments (exit 2) and, when the org
// cannot be read, leaves an earlier --out file whole.
func TestExportErrors(t *testing.T) {
	if r := runBinary(t, nil, nil, "export", "extra"); r.code != 2 || !strings.Contains(r.stderr, "Usage: lifecycled export") {
		t.Errorf("export extra: exit %d, stderr %q", r.code, r.stderr)
	}
	srv := newOrg(t, sftest.Options{Accounts: 5, Seed: 1})
	cfgPath, _ := daemonConfig(t, srv.URL(), "flow: client_credentials", "client_id: "+orgClientID, "client_secret: wrong-secret")
	out := filepath.Join(t.TempDir(), "accounts.jsonl")
	if err := os.WriteFile(out, []byte("earlier\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runBinary(t, nil, nil, "export", "--config", cfgPath, "--out", out)
	if r.code != 1 {
		t.Fatalf("export with a wrong secret: exit %d\n%s", r.code, r.stderr)
	}
	if data, _ := os.ReadFile(out); string(data) != "earlier\n" {
		t.Errorf("a failed export changed --out: %q", data)
	}
	if left, _ := os.ReadDir(filepath.Dir(out)); len(left) != 1 {
		t.Errorf("a failed export left %d files beside --out", len(left))
	}
}
