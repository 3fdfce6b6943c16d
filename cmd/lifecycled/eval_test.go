package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
	"github.com/lifecycled/lifecycled/internal/oracle"
)

// evalOut is one line of `lifecycled eval` output, decoded strictly.
type evalOut struct {
	ID            *string  `json:"Id"`
	ManagedTags   []string `json:"managed_tags"`
	Tags          *string  `json:"tags"`
	Status        *string  `json:"status"`
	TagsChanged   *bool    `json:"tags_changed"`
	StatusChanged *bool    `json:"status_changed"`
	Rejected      *string  `json:"rejected"`
}

func decodeEvalOutput(t *testing.T, stdout string) []evalOut {
	t.Helper()
	var out []evalOut
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		var o evalOut
		if err := dec.Decode(&o); err != nil {
			t.Fatalf("output line %d %q: %v", len(out)+1, sc.Text(), err)
		}
		if o.ManagedTags == nil || o.TagsChanged == nil || o.StatusChanged == nil {
			t.Fatalf("output line %d lacks a key: %s", len(out)+1, sc.Text())
		}
		out = append(out, o)
	}
	return out
}

func writeJSONL(t *testing.T, recs []map[string]any) string {
	t.Helper()
	var b bytes.Buffer
	for _, r := range recs {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	path := filepath.Join(t.TempDir(), "accounts.jsonl")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestEvalMatchesOracle runs the built binary over 100,000 generated
// accounts and checks every result against internal/oracle, the issue's
// definitions restated in plain Go: managed tags, status, the new tags value
// (foreign tags first, in order) and both changed flags.
func TestEvalMatchesOracle(t *testing.T) {
	const n = 100_000
	today := time.Date(2024, time.June, 30, 0, 0, 0, 0, time.UTC)
	recs := sftest.GenerateAccounts(n, 42, today)
	in := make([]map[string]any, len(recs))
	for i, r := range recs {
		r["Id"] = fmt.Sprintf("001%015d", i)
		r["attributes"] = map[string]any{"type": "Account", "url": "/services/data/v62.0/sobjects/Account/" + r["Id"].(string)}
		in[i] = r
	}
	path := writeJSONL(t, in)

	res := runBinary(t, nil, nil, "eval", "--as-of", "2024-06-30", path)
	if res.code != 0 || res.stderr != "" {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
	out := decodeEvalOutput(t, res.stdout)
	if len(out) != n {
		t.Fatalf("%d output lines, want %d", len(out), n)
	}
	statuses := map[string]int{}
	mismatches := 0
	for i, rec := range recs {
		o := out[i]
		wantTags, wantStatus := oracle.Expect(rec, today)
		var problems []string
		if o.ID == nil || *o.ID != rec["Id"] {
			problems = append(problems, fmt.Sprintf("Id %v, want %v (input order)", o.ID, rec["Id"]))
		}
		gotTags := map[string]bool{}
		for _, tag := range o.ManagedTags {
			gotTags[tag] = true
		}
		if !maps.Equal(gotTags, wantTags) || len(gotTags) != len(o.ManagedTags) {
			problems = append(problems, fmt.Sprintf("managed tags %q, oracle %v", o.ManagedTags, wantTags))
		}
		if showPtr(o.Status) != showPtr(wantStatus) {
			problems = append(problems, fmt.Sprintf("status %s, oracle %s", showPtr(o.Status), showPtr(wantStatus)))
		}
		wantValue := append(oracle.Foreign(rec[oracle.Tags], ";"), o.ManagedTags...)
		var want *string
		if len(wantValue) > 0 {
			s := strings.Join(wantValue, ";")
			want = &s
		}
		if showPtr(o.Tags) != showPtr(want) {
			problems = append(problems, fmt.Sprintf("tags value %s, want %s", showPtr(o.Tags), showPtr(want)))
		}
		cur, _ := rec[oracle.Tags].(string)
		if *o.TagsChanged != !sameSet(cur, strings.Join(wantValue, ";")) {
			problems = append(problems, fmt.Sprintf("tags_changed %v for %q", *o.TagsChanged, cur))
		}
		curStatus, _ := rec[oracle.Status].(string)
		if *o.StatusChanged != (curStatus != deref(wantStatus)) {
			problems = append(problems, fmt.Sprintf("status_changed %v for %q", *o.StatusChanged, curStatus))
		}
		if o.Rejected != nil {
			problems = append(problems, "rejected: "+*o.Rejected)
		}
		if len(problems) > 0 {
			if mismatches++; mismatches <= 10 {
				t.Errorf("account %d %v: %s", i, rec, strings.Join(problems, "; "))
			}
		}
		statuses[deref(o.Status)]++
	}
	if mismatches > 0 {
		t.Fatalf("%d of %d accounts disagree with the oracle", mismatches, n)
	}
	t.Logf("statuses over %d accounts: %v", n, statuses)
	// The generator spreads accounts over every stage: all twelve
	// statuses and "none" must have been exercised.
	if len(statuses) < 13 {
		t.Errorf("only %d distinct statuses (with none): the comparison did not cover every stage", len(statuses))
	}
}

func sameSet(a, b string) bool {
	set := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, t := range strings.Split(s, ";") {
			if t = strings.TrimSpace(t); t != "" {
				m[t] = true
			}
		}
		return m
	}
	return maps.Equal(set(a), set(b))
}

func showPtr(s *string) string {
	if s == nil {
		return "null"
	}
	return fmt.Sprintf("%q", *s)
}

// TestEvalBadLines: bad lines are reported with their numbers on stderr,
// the others are evaluated in order, and the exit status is 1.
func TestEvalBadLines(t *testing.T) {
	stdin := strings.Join([]string{
		`{"Id":"001A","Paying_Customer__c":true,"Start_Date__c":"2024-06-20","Active_Users__c":5,"Licensed_Seats__c":10}`,
		`{"Id":"001B","Start_Date__c":20240620}`,
		`not json`,
		``,
		`[1,2]`,
		`{"Id":"001C","Paying_Customer__c":"yes"}`,
		`null`,
		`{"Id":"001D","Paying_Customer__c":false,"Lifecycle_Tags__c":"VIP;Core-Good","Account_Lifecycle_Status__c":"Core-Good"}`,
	}, "\n")
	res := runBinary(t, nil, []byte(stdin), "eval", "--as-of", "2024-06-30")
	if res.code != 1 {
		t.Errorf("exit %d, want 1", res.code)
	}
	out := decodeEvalOutput(t, res.stdout)
	if len(out) != 2 || *out[0].ID != "001A" || *out[1].ID != "001D" {
		t.Fatalf("output:\n%s", res.stdout)
	}
	if !slices.Equal(out[0].ManagedTags, []string{"30OnBoard-Good"}) || showPtr(out[0].Status) != `"30 Day OnBoard-Good"` {
		t.Errorf("001A: %+v", out[0])
	}
	if showPtr(out[1].Tags) != `"VIP"` || !*out[1].TagsChanged || out[1].Status != nil || !*out[1].StatusChanged {
		t.Errorf("001D: %s", res.stdout)
	}
	for _, want := range []string{
		"stdin:2: account 001B: field Start_Date__c (start_date): want a date string",
		"stdin:3: not a JSON object",
		"stdin:5: not a JSON object",
		"stdin:6: account 001C: field Paying_Customer__c (paying): want a checkbox value",
		"stdin:7: not a JSON object",
		"5 of 7 accounts could not be read",
	} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, res.stderr)
		}
	}
}

// TestEvalConfig: eval uses the config's mapping and rules (from --config or
// LIFECYCLED_CONFIG), needs no credentials, and reports config errors with
// file and line.
func TestEvalConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "lifecycled.yaml")
	os.WriteFile(cfg, []byte(`salesforce:
  auth:
    client_id: ${SF_CLIENT_ID_UNSET_IN_TEST}
    client_secret: ${SF_CLIENT_SECRET_UNSET_IN_TEST}
fields:
  nps: NPS__c:number
  seats: Licensed_Seats__c
tags:
  separator: ","
  smart_lists:
    - tag: Promoter
      when: 'nps >= 9'
    - tag: Big
      when: 'seats > 100'
status:
  rules:
    - when: 'has_tag("Promoter") && has_tag("Big")'
      value: "Big fan"
  otherwise: "Other"
`), 0o600)
	stdin := `{"Id":"1","NPS__c":10,"Licensed_Seats__c":500,"Lifecycle_Tags__c":"x, Big"}` + "\n" +
		`{"Id":"2","NPS__c":null,"Licensed_Seats__c":5,"Account_Lifecycle_Status__c":"Other"}` + "\n"
	res := runBinary(t, nil, []byte(stdin), "eval", "--config", cfg, "--as-of", "2024-01-01")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	want := `{"Id":"1","managed_tags":["Promoter","Big"],"tags":"x,Promoter,Big","status":"Big fan","tags_changed":true,"status_changed":true,"rejected":null}` + "\n" +
		`{"Id":"2","managed_tags":[],"tags":null,"status":"Other","tags_changed":false,"status_changed":false,"rejected":null}` + "\n"
	if res.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", res.stdout, want)
	}
	// LIFECYCLED_CONFIG names the config as --config does.
	res = runBinary(t, []string{"LIFECYCLED_CONFIG=" + cfg}, []byte(stdin), "eval", "--as-of", "2024-01-01")
	if res.code != 0 || res.stdout != want {
		t.Errorf("with LIFECYCLED_CONFIG: exit %d, stdout:\n%s\nwant:\n%s\n%s", res.code, res.stdout, want, res.stderr)
	}

	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("tags:\n  smart_lists:\n    - tag: A\n      when: 'nps > 1'\n"), 0o600)
	res = runBinary(t, nil, []byte(stdin), "eval", "--config", bad)
	if res.code != 1 || !strings.Contains(res.stderr, bad+`:4: smart list "A": when: unknown name nps`) {
		t.Errorf("bad config: exit %d, stderr %s", res.code, res.stderr)
	}
}

func TestEvalTagsMaxLenAndUsage(t *testing.T) {
	stdin := `{"Id":"1","Paying_Customer__c":true,"Lifecycle_Tags__c":"A-very-long-foreign-tag"}` + "\n"
	res := runBinary(t, nil, []byte(stdin), "eval", "--tags-max-len", "30", "--as-of", "2024-01-01")
	out := decodeEvalOutput(t, res.stdout)
	if res.code != 0 || len(out) != 1 || out[0].Rejected == nil || !strings.Contains(*out[0].Rejected, "45 characters") ||
		showPtr(out[0].Tags) != `"A-very-long-foreign-tag;DataIssue-NoStartDate"` {
		t.Fatalf("exit %d, stdout %s, stderr %s", res.code, res.stdout, res.stderr)
	}

	res = runBinary(t, nil, nil, "eval", "--help")
	if res.code != 0 || !strings.Contains(res.stderr, "Without --config (or LIFECYCLED_CONFIG) it uses the built-in default config") {
		t.Errorf("help: exit %d\n%s", res.code, res.stderr)
	}
	res = runBinary(t, nil, []byte("{}\n"), "eval", "--as-of", "30/06/2024")
	if res.code != 2 || !strings.Contains(res.stderr, `invalid value "30/06/2024" for flag --as-of: want YYYY-MM-DD`) ||
		!strings.Contains(res.stderr, "Usage: lifecycled eval") {
		t.Errorf("bad --as-of: exit %d, %s", res.code, res.stderr)
	}
	res = runBinary(t, nil, nil, "eval", "a.jsonl", "b.jsonl")
	if res.code != 2 {
		t.Errorf("two files: exit %d, want 2", res.code)
	}
}
