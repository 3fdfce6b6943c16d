package sftest

import (
	"net/http"
	"strings"
	"testing"
)

// duplicatePair returns the two live accounts of a name (ignoring case)
// that exactly two accounts hold.
func duplicatePair(t *testing.T, s *Server) (string, string) {
	t.Helper()
	groups := map[string][]string{}
	for _, r := range s.Records("Account") {
		k := strings.ToLower(r["Name"].(string))
		groups[k] = append(groups[k], r["Id"].(string))
	}
	for _, r := range s.Records("Account") {
		if g := groups[strings.ToLower(r["Name"].(string))]; len(g) == 2 {
			return g[0], g[1]
		}
	}
	t.Fatal("no pair of duplicate names")
	return "", ""
}

func TestDuplicateRule(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 60, Seed: 4, DuplicateShare: 0.3})
	tok := MustToken(t, s)
	a, b := duplicatePair(t, s)
	path := "/services/data/v62.0/sobjects/Account/" + b

	resp := call(t, s, tok, http.MethodPatch, path, map[string]any{"NPS__c": 10})
	if resp.status != http.StatusBadRequest {
		t.Fatalf("duplicate: %d %s", resp.status, resp.body)
	}
	e := apiErrors(t, resp.body)[0]
	if e.ErrorCode != "DUPLICATES_DETECTED" || e.DuplicateResult == nil || !e.DuplicateResult.AllowSave ||
		e.DuplicateResult.DuplicateRuleEntityType != "Account" || len(e.DuplicateResult.MatchResults) != 1 {
		t.Fatalf("duplicate error = %s", resp.body)
	}
	mr := e.DuplicateResult.MatchResults[0]
	if mr.Size != len(mr.MatchRecords) || mr.MatchRecords[0].Record["Id"] != a || len(mr.MatchRecords[0].Record) != 2 {
		t.Fatalf("match result = %+v", mr)
	}
	for _, h := range []string{"allowSave=true", "allowSave=true; includeRecordDetails=false; runAsCurrentUser=true", "runAsCurrentUser=false,ALLOWSAVE = TRUE"} {
		if resp := call(t, s, tok, http.MethodPatch, path, map[string]any{"NPS__c": 11}, "Sforce-Duplicate-Rule-Header", h); resp.status != http.StatusNoContent {
			t.Fatalf("with %q: %d %s", h, resp.status, resp.body)
		}
	}
	if field(t, s, b, "NPS__c") != 11.0 {
		t.Fatal("allowSave write not applied")
	}
	resp = call(t, s, tok, http.MethodPatch, path, map[string]any{"NPS__c": 12}, "Sforce-Duplicate-Rule-Header", "allowSave=false; includeRecordDetails=true")
	if e := apiErrors(t, resp.body)[0]; e.ErrorCode != "DUPLICATES_DETECTED" || e.DuplicateResult.MatchResults[0].MatchRecords[0].Record["Name"] == nil {
		t.Fatalf("includeRecordDetails: %s", resp.body)
	}

	// Collections: the result carries the duplicate result; renaming to a
	// unique name passes, renaming onto another's name (any case) fails.
	count := map[string]int{}
	for _, r := range s.Records("Account") {
		count[strings.ToLower(r["Name"].(string))]++
	}
	var unique string
	for _, r := range s.Records("Account") {
		if count[strings.ToLower(r["Name"].(string))] == 1 {
			unique = r["Id"].(string)
			break
		}
	}
	other, _ := s.Record("Account", a)
	_, res, body := collection(t, s, tok, false, []map[string]any{
		acct(b, map[string]any{"Name": "Wholly New Name Ltd"}),
		acct(unique, map[string]any{"Name": strings.ToLower(other["Name"].(string))}),
	})
	if !res[0].Success || res[1].Success || res[1].Errors[0].StatusCode != "DUPLICATES_DETECTED" || res[1].Errors[0].DuplicateResult == nil {
		t.Fatalf("collections: %s", body)
	}
	// a's twin was renamed: a no longer matches anything.
	if resp := call(t, s, tok, http.MethodPatch, "/services/data/v62.0/sobjects/Account/"+a, map[string]any{"NPS__c": 1}); resp.status != http.StatusNoContent {
		t.Fatalf("after the rename: %d %s", resp.status, resp.body)
	}
	// A deleted twin does not count.
	if _, err := s.Insert("Account", map[string]any{"Name": "Solo Co"}); err != nil {
		t.Fatal(err)
	}
	twin, _ := s.Insert("Account", map[string]any{"Name": "SOLO CO"})
	if resp := call(t, s, tok, http.MethodPatch, "/services/data/v62.0/sobjects/Account/"+twin, map[string]any{"NPS__c": 1}); resp.status != http.StatusBadRequest {
		t.Fatalf("inserted twin: %d %s", resp.status, resp.body)
	}
	solo := s.Records("Account")[len(s.Records("Account"))-2]["Id"].(string)
	if err := s.Delete("Account", solo); err != nil {
		t.Fatal(err)
	}
	if resp := call(t, s, tok, http.MethodPatch, "/services/data/v62.0/sobjects/Account/"+twin, map[string]any{"NPS__c": 1}); resp.status != http.StatusNoContent {
		t.Fatalf("twin deleted: %d %s", resp.status, resp.body)
	}
	// A user's edit saves past the alert.
	if err := s.Update("Account", unique, map[string]any{"Name": "SOLO CO"}); err != nil {
		t.Fatalf("Update onto a duplicate name: %v", err)
	}
}

func TestNoDuplicatesByDefault(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 500, Seed: 4})
	seen := map[string]bool{}
	for _, r := range s.Records("Account") {
		k := strings.ToLower(r["Name"].(string))
		if seen[k] {
			t.Fatalf("duplicate name %q with DuplicateShare 0", k)
		}
		seen[k] = true
	}
}

func TestTriggerLock(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 5, Seed: 5, Faults: Faults{TriggerLock: 1}})
	tok := MustToken(t, s)
	id := ids(s, 3)
	_, res, body := collection(t, s, tok, false, []map[string]any{
		acct(id[0], map[string]any{"NPS__c": 1}),
		acct(id[1], map[string]any{"Customer_Health__c": "Great"}),
		acct(id[2], map[string]any{"NPS__c": 2}),
	})
	for _, i := range []int{0, 2} {
		e := res[i].Errors
		if res[i].Success || len(e) != 1 || e[0].StatusCode != "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY" ||
			!strings.Contains(e[0].Message, "UNABLE_TO_LOCK_ROW, unable to obtain exclusive access to this record or 1 records: "+id[0]) ||
			!strings.HasPrefix(e[0].Message, "AccountTrigger: execution of AfterUpdate\n\ncaused by: System.DmlException: Update failed. First exception on row 0 with id "+id[0]) {
			t.Fatalf("record %d: %s", i, body)
		}
	}
	if res[1].Errors[0].StatusCode != "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" {
		t.Fatalf("an invalid record keeps its own error: %s", body)
	}
	if st := s.Stats(); st.RecordWrites != 0 || len(s.WriteLog()) != 0 {
		t.Fatalf("written under a trigger lock: %+v", st)
	}
	resp := call(t, s, tok, http.MethodPatch, "/services/data/v62.0/sobjects/Account/"+id[0], map[string]any{"NPS__c": 3})
	if resp.status != http.StatusBadRequest || apiErrors(t, resp.body)[0].ErrorCode != "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY" {
		t.Fatalf("single PATCH: %d %s", resp.status, resp.body)
	}
	s.SetFaults(Faults{})
	if _, res, body := collection(t, s, tok, false, []map[string]any{acct(id[0], map[string]any{"NPS__c": 1})}); !res[0].Success {
		t.Fatalf("faults off: %s", body)
	}
	f, err := ParseFaults("triggerlock=0.25,seed=3")
	if err != nil || f.TriggerLock != 0.25 || f.String() != "triggerlock=0.25,seed=3" {
		t.Fatalf("ParseFaults = %+v, %v; String %q", f, err, f.String())
	}
}

func TestSetFieldEditable(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 3, Seed: 6})
	tok := MustToken(t, s)
	id := ids(s, 2)
	s.SetFieldEditable("account", "lifecycle_tags__c", false)
	s.SetFieldEditable("Account", "No_Such__c", false) // ignored
	resp := call(t, s, tok, http.MethodGet, "/services/data/v62.0/sobjects/Account/describe", nil)
	var d struct {
		Fields []fieldDescribe `json:"fields"`
	}
	mustJSON(t, resp.body, &d)
	for _, f := range d.Fields {
		if f.Name == "Lifecycle_Tags__c" && (f.Updateable || f.Createable) {
			t.Fatalf("describe still updateable: %+v", f)
		}
	}
	_, res, body := collection(t, s, tok, false, []map[string]any{
		acct(id[0], map[string]any{"Lifecycle_Tags__c": "VIP", "NPS__c": 1}),
		acct(id[1], map[string]any{"NPS__c": 2}),
	})
	if res[0].Success || res[0].Errors[0].StatusCode != "INVALID_FIELD_FOR_INSERT_UPDATE" ||
		strings.Join(res[0].Errors[0].Fields, ",") != "Lifecycle_Tags__c" || !res[1].Success {
		t.Fatalf("non-editable field: %s", body)
	}
	if err := s.Update("Account", id[0], map[string]any{"Lifecycle_Tags__c": "VIP"}); err != nil {
		t.Fatalf("a user's edit is not bound by the integration user's security: %v", err)
	}
	s.SetFieldEditable("Account", "Lifecycle_Tags__c", true)
	s.SetFieldEditable("Account", "CreatedDate", true) // the schema's read-only stays
	_, res, body = collection(t, s, tok, false, []map[string]any{
		acct(id[0], map[string]any{"Lifecycle_Tags__c": "VIP;Core-Good"}),
		acct(id[1], map[string]any{"CreatedDate": "2024-01-01T00:00:00.000+0000"}),
	})
	if !res[0].Success || res[1].Success {
		t.Fatalf("editable again: %s", body)
	}
}

func TestFailValidation(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 4, Seed: 7})
	tok := MustToken(t, s)
	id := ids(s, 3)
	s.FailValidation(strings.ToLower(id[1]), "bogus")
	_, res, body := collection(t, s, tok, false, []map[string]any{
		acct(id[0], map[string]any{"NPS__c": 1}),
		acct(id[1], map[string]any{"NPS__c": 1}),
	})
	if !res[0].Success || res[1].Success || res[1].Errors[0].StatusCode != "FIELD_CUSTOM_VALIDATION_EXCEPTION" ||
		res[1].Errors[0].Message == "" || len(res[1].Errors[0].Fields) != 0 {
		t.Fatalf("validation rule: %s", body)
	}
	_, res, body = collection(t, s, tok, true, []map[string]any{
		acct(id[2], map[string]any{"NPS__c": 1}),
		acct(id[1], map[string]any{"NPS__c": 1}),
	})
	if res[0].Errors[0].StatusCode != "ALL_OR_NONE_OPERATION_ROLLED_BACK" || res[1].Errors[0].StatusCode != "FIELD_CUSTOM_VALIDATION_EXCEPTION" {
		t.Fatalf("allOrNone: %s", body)
	}
	resp := call(t, s, tok, http.MethodPatch, "/services/data/v62.0/sobjects/Account/"+id[1], map[string]any{"NPS__c": 5})
	if resp.status != http.StatusBadRequest || apiErrors(t, resp.body)[0].ErrorCode != "FIELD_CUSTOM_VALIDATION_EXCEPTION" {
		t.Fatalf("single PATCH: %d %s", resp.status, resp.body)
	}
	s.FailValidation()
	if resp := call(t, s, tok, http.MethodPatch, "/services/data/v62.0/sobjects/Account/"+id[1], map[string]any{"NPS__c": 5}); resp.status != http.StatusNoContent {
		t.Fatalf("rule off: %d %s", resp.status, resp.body)
	}
}
