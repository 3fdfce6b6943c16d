package sftest

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

const collectionsPath = "/services/data/v62.0/composite/sobjects"

// acct is an sObject Collections record of an Account.
func acct(id string, fields map[string]any) map[string]any {
	r := map[string]any{"attributes": map[string]any{"type": "Account"}, "id": id}
	for k, v := range fields {
		r[k] = v
	}
	return r
}

// collection PATCHes records and decodes the results.
func collection(t *testing.T, s *Server, tok string, allOrNone bool, records []map[string]any) (int, []saveResult, []byte) {
	t.Helper()
	resp := call(t, s, tok, http.MethodPatch, collectionsPath, map[string]any{"allOrNone": allOrNone, "records": records})
	var out []saveResult
	if resp.status == http.StatusOK {
		mustJSON(t, resp.body, &out)
	}
	return resp.status, out, resp.body
}

func ids(s *Server, n int) []string {
	var out []string
	for _, r := range s.Records("Account")[:n] {
		out = append(out, r["Id"].(string))
	}
	return out
}

func field(t *testing.T, s *Server, id, name string) any {
	t.Helper()
	r, ok := s.Record("Account", id)
	if !ok {
		t.Fatalf("no record %s", id)
	}
	return r[name]
}

func TestSinglePatch(t *testing.T) {
	s, clk := MustServer(t, Options{Accounts: 5, Seed: 8})
	tok := MustToken(t, s)
	id := firstID(t, s)
	path := "/services/data/v62.0/sobjects/Account/" + id
	before := field(t, s, id, "SystemModstamp")

	clk.Advance(time.Minute)
	resp := call(t, s, tok, http.MethodPatch, path, map[string]any{"Customer_Health__c": "Poor", "NPS__c": 12, "Start_Date__c": "2024-02-29"})
	if resp.status != http.StatusNoContent || len(resp.body) != 0 {
		t.Fatalf("PATCH: status %d body %q, want 204 and no body", resp.status, resp.body)
	}
	r, _ := s.Record("Account", id)
	if r["Customer_Health__c"] != "Poor" || r["NPS__c"] != 12.0 || r["Start_Date__c"] != "2024-02-29" {
		t.Fatalf("record after PATCH = %v", r)
	}
	want := "2024-03-15T10:31:00.000+0000"
	if r["SystemModstamp"] != want || r["LastModifiedDate"] != want || before == want {
		t.Fatalf("SystemModstamp %v LastModifiedDate %v (before %v), want both %s", r["SystemModstamp"], r["LastModifiedDate"], before, want)
	}

	// The same values again: a no-op write, which still bumps the stamps.
	clk.Advance(time.Minute)
	resp = call(t, s, tok, http.MethodPatch, path, map[string]any{"Customer_Health__c": "Poor", "NPS__c": 12, "Start_Date__c": "2024-02-29"})
	if resp.status != http.StatusNoContent {
		t.Fatalf("no-op PATCH: status %d", resp.status)
	}
	if got, want := field(t, s, id, "SystemModstamp"), "2024-03-15T10:32:00.000+0000"; got != want {
		t.Fatalf("SystemModstamp after a no-op write = %v, want %s", got, want)
	}
	st := s.Stats()
	if st.Writes != 2 || st.RecordWrites != 2 || st.NoopWrites != 1 {
		t.Fatalf("stats = %+v, want 2 writes, 2 record writes, 1 no-op", st)
	}
	log := s.WriteLog()
	if len(log) != 2 || log[0].Noop || !log[1].Noop || log[1].Source != "api" || log[1].ID != id {
		t.Fatalf("write log = %+v", log)
	}
	// Clearing a field with null.
	if resp = call(t, s, tok, http.MethodPatch, path, map[string]any{"NPS__c": nil}); resp.status != http.StatusNoContent {
		t.Fatalf("PATCH null: status %d: %s", resp.status, resp.body)
	}
	if v := field(t, s, id, "NPS__c"); v != nil {
		t.Fatalf("NPS__c after null = %v", v)
	}
}

func TestSinglePatchErrors(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 5, Seed: 9})
	tok := MustToken(t, s)
	all := ids(s, 2)
	if err := s.Delete("Account", all[1]); err != nil {
		t.Fatal(err)
	}
	id := all[0]
	cases := []struct {
		name   string
		id     string
		body   any
		status int
		code   string
		fields []string
	}{
		{"UnknownField", id, map[string]any{"Foo__c": 1}, 400, "INVALID_FIELD", []string{"Foo__c"}},
		{"ReadOnlyField", id, map[string]any{"CreatedDate": "2024-01-01T00:00:00.000+0000"}, 400, "INVALID_FIELD_FOR_INSERT_UPDATE", []string{"CreatedDate"}},
		{"RestrictedPicklist", id, map[string]any{"Account_Lifecycle_Status__c": "Core-Great"}, 400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", []string{"Account_Lifecycle_Status__c"}},
		{"TooLong", id, map[string]any{"Name": strings.Repeat("x", 256)}, 400, "STRING_TOO_LONG", []string{"Name"}},
		{"TagsTooLong", id, map[string]any{"Lifecycle_Tags__c": strings.Repeat("x", 32769)}, 400, "STRING_TOO_LONG", []string{"Lifecycle_Tags__c"}},
		{"RequiredNull", id, map[string]any{"Name": nil}, 400, "REQUIRED_FIELD_MISSING", []string{"Name"}},
		{"NumberForDate", id, map[string]any{"Start_Date__c": 20240101}, 400, "JSON_PARSER_ERROR", nil},
		{"BadDate", id, map[string]any{"Start_Date__c": "2024-13-45"}, 400, "JSON_PARSER_ERROR", nil},
		{"TextForNumber", id, map[string]any{"NPS__c": "high"}, 400, "JSON_PARSER_ERROR", nil},
		{"ObjectForText", id, map[string]any{"Name": map[string]any{"a": 1}}, 400, "JSON_PARSER_ERROR", nil},
		{"NotJSON", id, "{", 400, "JSON_PARSER_ERROR", nil},
		{"OtherObjectsID", "003D000000IRFmaIAH", map[string]any{"NPS__c": 1}, 400, "MALFORMED_ID", []string{"Id"}},
		{"BadChecksum", id[:15] + "ZZZ", map[string]any{"NPS__c": 1}, 400, "MALFORMED_ID", []string{"Id"}},
		{"NotAnID", "abc", map[string]any{"NPS__c": 1}, 404, "NOT_FOUND", nil},
		{"NoSuchRecord", makeID("001", 999999), map[string]any{"NPS__c": 1}, 404, "NOT_FOUND", nil},
		{"Deleted", all[1], map[string]any{"NPS__c": 1}, 404, "ENTITY_IS_DELETED", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := call(t, s, tok, http.MethodPatch, "/services/data/v62.0/sobjects/Account/"+tc.id, tc.body)
			if resp.status != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.status, tc.status, resp.body)
			}
			e := apiErrors(t, resp.body)[0]
			if e.ErrorCode != tc.code || e.Message == "" {
				t.Fatalf("error %+v, want %s", e, tc.code)
			}
			if tc.fields != nil && strings.Join(e.Fields, ",") != strings.Join(tc.fields, ",") {
				t.Fatalf("fields %v, want %v", e.Fields, tc.fields)
			}
		})
	}
	if st := s.Stats(); st.Writes != 0 || st.RecordWrites != 0 {
		t.Fatalf("failed writes counted: %+v", st)
	}
	resp := call(t, s, tok, http.MethodPatch, "/services/data/v62.0/sobjects/Account/"+id, map[string]any{"CreatedDate": "2024-01-01T00:00:00.000+0000"})
	if e := apiErrors(t, resp.body)[0]; e.ErrorCode != "INVALID_FIELD_FOR_INSERT_UPDATE" ||
		!strings.HasPrefix(e.Message, "Unable to create/update fields: CreatedDate.") {
		t.Fatalf("read-only message = %+v", e)
	}
}

func TestCollections(t *testing.T) {
	t.Run("ResultsInRequestOrder", func(t *testing.T) {
		s, _ := MustServer(t, Options{Accounts: 10, Seed: 10})
		tok := MustToken(t, s)
		id := ids(s, 4)
		status, res, body := collection(t, s, tok, false, []map[string]any{
			acct(id[2], map[string]any{"NPS__c": 1}),
			acct(id[0], map[string]any{"Customer_Health__c": "Great"}),
			acct(id[1], map[string]any{"NPS__c": 3}),
		})
		if status != http.StatusOK || len(res) != 3 {
			t.Fatalf("status %d: %s", status, body)
		}
		if !res[0].Success || res[0].ID != id[2] || !res[2].Success || res[2].ID != id[1] {
			t.Fatalf("results = %s", body)
		}
		if res[1].Success || res[1].ID != "" || res[1].Errors[0].StatusCode != "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" {
			t.Fatalf("failed result = %s", body)
		}
		if field(t, s, id[2], "NPS__c") != 1.0 || field(t, s, id[1], "NPS__c") != 3.0 {
			t.Fatal("valid records not written")
		}
		if !strings.Contains(string(body), `"errors":[]`) || !strings.Contains(string(body), `"fields":["Customer_Health__c"]`) {
			t.Fatalf("body shape: %s", body)
		}
	})
	t.Run("AllOrNoneRollsBack", func(t *testing.T) {
		s, _ := MustServer(t, Options{Accounts: 10, Seed: 11})
		tok := MustToken(t, s)
		id := ids(s, 3)
		before := field(t, s, id[0], "NPS__c")
		_, res, body := collection(t, s, tok, true, []map[string]any{
			acct(id[0], map[string]any{"NPS__c": 77}),
			acct(id[1], map[string]any{"Name": strings.Repeat("n", 300)}),
			acct(id[2], map[string]any{"NPS__c": 78}),
		})
		if res[0].Success || res[0].Errors[0].StatusCode != "ALL_OR_NONE_OPERATION_ROLLED_BACK" ||
			res[1].Errors[0].StatusCode != "STRING_TOO_LONG" || res[2].Errors[0].StatusCode != "ALL_OR_NONE_OPERATION_ROLLED_BACK" {
			t.Fatalf("results = %s", body)
		}
		if field(t, s, id[0], "NPS__c") != before || s.Stats().RecordWrites != 0 || len(s.WriteLog()) != 0 {
			t.Fatal("allOrNone request applied a record")
		}
	})
	t.Run("MoreThan200", func(t *testing.T) {
		s, _ := MustServer(t, Options{Accounts: 201, Seed: 12})
		tok := MustToken(t, s)
		var recs []map[string]any
		for _, id := range ids(s, 201) {
			recs = append(recs, acct(id, map[string]any{"NPS__c": 50}))
		}
		status, _, body := collection(t, s, tok, false, recs)
		if status != http.StatusBadRequest || apiErrors(t, body)[0].ErrorCode != "EXCEEDED_ID_LIMIT" {
			t.Fatalf("201 records: status %d body %s", status, body)
		}
		if s.Stats().RecordWrites != 0 {
			t.Fatal("records written from a rejected request")
		}
		if status, res, _ := collection(t, s, tok, false, recs[:200]); status != http.StatusOK || len(res) != 200 || !res[199].Success {
			t.Fatalf("200 records: status %d", status)
		}
	})
	t.Run("DuplicateIDs", func(t *testing.T) {
		s, _ := MustServer(t, Options{Accounts: 5, Seed: 13})
		tok := MustToken(t, s)
		id := ids(s, 2)
		_, res, body := collection(t, s, tok, false, []map[string]any{
			acct(id[0], map[string]any{"NPS__c": 1}),
			acct(id[1], map[string]any{"NPS__c": 2}),
			acct(strings.ToLower(id[0]), map[string]any{"NPS__c": 3}), // the same record, case-insensitive form
		})
		if res[0].Success || res[2].Success || res[0].Errors[0].StatusCode != "DUPLICATE_VALUE" || !res[1].Success {
			t.Fatalf("results = %s", body)
		}
		if field(t, s, id[1], "NPS__c") != 2.0 {
			t.Fatal("the record without a duplicate was not written")
		}
	})
	t.Run("RecordErrors", func(t *testing.T) {
		s, _ := MustServer(t, Options{Accounts: 5, Seed: 14})
		tok := MustToken(t, s)
		id := ids(s, 4)
		if err := s.Delete("Account", id[1]); err != nil {
			t.Fatal(err)
		}
		noType := map[string]any{"id": id[0], "NPS__c": 1}
		_, res, body := collection(t, s, tok, false, []map[string]any{
			acct("001D000000IRFma", map[string]any{"NPS__c": 1}),                  // well formed, no such record
			acct("003D000000IRFmaIAH", map[string]any{"NPS__c": 1}),               // a Contact ID
			acct("001D000000IRFmaXXX", map[string]any{"NPS__c": 1}),               // bad checksum
			acct(id[1], map[string]any{"NPS__c": 1}),                              // deleted
			acct("", map[string]any{"NPS__c": 1}),                                 // no id
			noType,                                                                // no attributes
			acct(id[2], map[string]any{"SystemModstamp": "2024-01-01T00:00:00Z"}), // read-only
			acct(id[3], map[string]any{"Customer_Health__c": "Okay"}),             // restricted picklist
		})
		want := []string{"INVALID_CROSS_REFERENCE_KEY", "MALFORMED_ID", "MALFORMED_ID", "ENTITY_IS_DELETED", "MISSING_ARGUMENT",
			"INVALID_TYPE", "INVALID_FIELD_FOR_INSERT_UPDATE", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"}
		if len(res) != len(want) {
			t.Fatalf("results = %s", body)
		}
		for i, code := range want {
			if res[i].Success || len(res[i].Errors) == 0 || res[i].Errors[0].StatusCode != code {
				t.Errorf("record %d: %+v, want %s", i, res[i], code)
			}
		}
		if f := res[1].Errors[0]; f.Message != "Account ID: id value of incorrect type: 003D000000IRFmaIAH" || f.Fields[0] != "Id" {
			t.Errorf("MALFORMED_ID = %+v", f)
		}
	})
	t.Run("RequestErrors", func(t *testing.T) {
		s, _ := MustServer(t, Options{Accounts: 5, Seed: 15})
		tok := MustToken(t, s)
		id := ids(s, 2)
		cases := []struct {
			name string
			body any
			code string
		}{
			{"UnknownField", map[string]any{"records": []any{acct(id[0], map[string]any{"NPS__c": 1}), acct(id[1], map[string]any{"Foo__c": 1})}}, "INVALID_FIELD"},
			{"WrongType", map[string]any{"records": []any{acct(id[0], map[string]any{"Paying_Customer__c": "yes"})}}, "JSON_PARSER_ERROR"},
			{"NotJSON", "{\"records\":[", "JSON_PARSER_ERROR"},
			{"RecordsNotAList", `{"records":{}}`, "JSON_PARSER_ERROR"},
		}
		for _, tc := range cases {
			resp := call(t, s, tok, http.MethodPatch, collectionsPath, tc.body)
			if resp.status != http.StatusBadRequest || apiErrors(t, resp.body)[0].ErrorCode != tc.code {
				t.Errorf("%s: status %d body %s, want 400 %s", tc.name, resp.status, resp.body, tc.code)
			}
		}
		if s.Stats().RecordWrites != 0 {
			t.Fatal("a rejected request wrote records")
		}
	})
	t.Run("EveryWriteBumpsStamps", func(t *testing.T) {
		s, clk := MustServer(t, Options{Accounts: 5, Seed: 16})
		tok := MustToken(t, s)
		id := ids(s, 2)
		cur := field(t, s, id[0], "NPS__c")
		clk.Advance(time.Hour)
		_, res, _ := collection(t, s, tok, false, []map[string]any{acct(id[0], map[string]any{"NPS__c": cur}), acct(id[1], map[string]any{"NPS__c": 5})})
		if !res[0].Success || !res[1].Success {
			t.Fatalf("results = %+v", res)
		}
		for _, x := range id {
			if got, want := field(t, s, x, "SystemModstamp"), "2024-03-15T11:30:00.000+0000"; got != want {
				t.Errorf("%s SystemModstamp = %v, want %s", x, got, want)
			}
		}
		st := s.Stats()
		if st.Writes != 1 || st.RecordWrites != 2 || st.RecordsPerWrite[0] != 2 {
			t.Fatalf("stats = %+v", st)
		}
		if cur != nil && st.NoopWrites != 1 {
			t.Fatalf("NoopWrites = %d, want 1", st.NoopWrites)
		}
	})
}

func TestFailTrigger(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 10, Seed: 17})
	tok := MustToken(t, s)
	id := ids(s, 4)
	s.FailTrigger(id[2][:15]) // a 15-character ID works too
	batch := func(ids ...string) []map[string]any {
		var out []map[string]any
		for _, x := range ids {
			out = append(out, acct(x, map[string]any{"NPS__c": 42}))
		}
		return out
	}
	_, res, body := collection(t, s, tok, false, batch(id...))
	for i, r := range res {
		if r.Success || r.Errors[0].StatusCode != "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY" ||
			!strings.Contains(r.Errors[0].Message, "Apex CPU time limit exceeded") {
			t.Fatalf("record %d of a batch holding the trigger id: %s", i, body)
		}
	}
	if s.Stats().RecordWrites != 0 {
		t.Fatal("a failed trigger wrote records")
	}
	// Split in halves: the half without the id goes through.
	_, res, _ = collection(t, s, tok, false, batch(id[:2]...))
	if !res[0].Success || !res[1].Success {
		t.Fatalf("half without the trigger id: %+v", res)
	}
	_, res, _ = collection(t, s, tok, false, batch(id[2]))
	if res[0].Success {
		t.Fatal("the trigger id alone succeeded")
	}
	resp := call(t, s, tok, http.MethodPatch, "/services/data/v62.0/sobjects/Account/"+id[2], map[string]any{"NPS__c": 1})
	if resp.status != http.StatusBadRequest || apiErrors(t, resp.body)[0].ErrorCode != "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY" {
		t.Fatalf("single PATCH of the trigger id: %d %s", resp.status, resp.body)
	}
	s.FailTrigger()
	if _, res, _ = collection(t, s, tok, false, batch(id[2])); !res[0].Success {
		t.Fatalf("after FailTrigger(): %+v", res)
	}
}

func TestUserEdits(t *testing.T) {
	s, clk := MustServer(t, Options{Accounts: 3, Seed: 18})
	id := firstID(t, s)
	clk.Advance(10 * time.Second)
	if err := s.Update("Account", id, map[string]any{"Customer_Health__c": "Average", "Active_Users__c": 7}); err != nil {
		t.Fatal(err)
	}
	r, _ := s.Record("Account", id)
	if r["Customer_Health__c"] != "Average" || r["Active_Users__c"] != 7.0 || r["SystemModstamp"] != "2024-03-15T10:30:10.000+0000" {
		t.Fatalf("after Update: %v", r)
	}
	log := s.WriteLog()
	if len(log) != 1 || log[0].Source != "user" || log[0].Fields["Active_Users__c"] != 7.0 || log[0].Seq != 1 {
		t.Fatalf("write log = %+v", log)
	}
	if st := s.Stats(); st.Writes != 0 || st.RecordWrites != 0 {
		t.Fatalf("a user edit counted as an API write: %+v", st)
	}
	for _, fields := range []map[string]any{
		{"Foo__c": 1}, {"Customer_Health__c": "Meh"}, {"SystemModstamp": "2024-01-01T00:00:00.000+0000"}, {"Start_Date__c": true},
	} {
		if err := s.Update("Account", id, fields); err == nil {
			t.Errorf("Update(%v) succeeded", fields)
		}
	}
	if err := s.Update("Account", makeID("001", 12345), map[string]any{"NPS__c": 1}); err == nil {
		t.Error("Update of a missing record succeeded")
	}
	newID, err := s.Insert("Account", map[string]any{"Name": "Acme", "Start_Date__c": "2024-02-29", "Paying_Customer__c": true})
	if err != nil {
		t.Fatal(err)
	}
	r, ok := s.Record("Account", newID)
	if !ok || r["Name"] != "Acme" || r["CreatedDate"] != "2024-03-15T10:30:10.000+0000" || r["IsDeleted"] != false {
		t.Fatalf("inserted record = %v", r)
	}
	if _, err := s.Insert("Account", map[string]any{"Customer_Health__c": "Meh"}); err == nil {
		t.Error("Insert with a bad picklist value succeeded")
	}
	if err := s.Delete("Account", newID); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("Account", newID); err == nil {
		t.Error("deleting twice succeeded")
	}
	if err := s.Update("Account", newID, map[string]any{"NPS__c": 1}); err == nil || !strings.Contains(err.Error(), "ENTITY_IS_DELETED") {
		t.Errorf("Update of a deleted record: %v", err)
	}
}
