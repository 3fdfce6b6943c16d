package sftest

import (
	"net/http"
	"strings"
	"testing"
)

const customSchema = `{"objects":[
  {"name":"Account","keyPrefix":"001","fields":[
    {"name":"Name","type":"string","length":80,"updateable":true},
    {"name":"Tier__c","label":"Tier","type":"picklist","updateable":true,"nillable":true,
     "picklistValues":["Gold","Silver"],"restrictedPicklist":true},
    {"name":"ARR__c","type":"currency","updateable":true,"nillable":true}]},
  {"name":"Project__c","label":"Project","keyPrefix":"a01","fields":[
    {"name":"Name","type":"string","updateable":true},
    {"name":"Due__c","type":"date","updateable":true,"nillable":true}]}
]}`

func TestParseSchema(t *testing.T) {
	s, err := ParseSchema([]byte(customSchema))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := s.Object("project__c")
	if !ok || p.Name != "Project__c" || p.LabelPlural != "Projects" {
		t.Fatalf("Project__c = %+v, %v", p, ok)
	}
	for _, name := range []string{"Id", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp", "Name", "Due__c"} {
		if _, _, ok := p.Field(name); !ok {
			t.Errorf("Project__c lacks %s", name)
		}
	}
	if f, _, _ := p.Field("Due__c"); f.Label != "Due" {
		t.Errorf("default label of Due__c = %q", f.Label)
	}
	a, _ := s.Object("Account")
	if f, _, _ := a.Field("Name"); f.Length != 80 {
		t.Errorf("Name length = %d", f.Length)
	}
	bad := map[string]string{
		"NotJSON":             `{`,
		"UnknownKey":          `{"objects":[],"extra":1}`,
		"NoObjects":           `{"objects":[]}`,
		"NoName":              `{"objects":[{"keyPrefix":"001","fields":[]}]}`,
		"BadPrefix":           `{"objects":[{"name":"A","keyPrefix":"01","fields":[]}]}`,
		"DuplicatePrefix":     `{"objects":[{"name":"A","keyPrefix":"001"},{"name":"B","keyPrefix":"001"}]}`,
		"DuplicateObject":     `{"objects":[{"name":"A","keyPrefix":"001"},{"name":"a","keyPrefix":"002"}]}`,
		"UnknownType":         `{"objects":[{"name":"A","keyPrefix":"001","fields":[{"name":"X","type":"blob"}]}]}`,
		"DuplicateField":      `{"objects":[{"name":"A","keyPrefix":"001","fields":[{"name":"X","type":"string"},{"name":"x","type":"string"}]}]}`,
		"RestrictedNoValues":  `{"objects":[{"name":"A","keyPrefix":"001","fields":[{"name":"X","type":"picklist","restrictedPicklist":true}]}]}`,
		"FieldWithoutName":    `{"objects":[{"name":"A","keyPrefix":"001","fields":[{"type":"string"}]}]}`,
		"UnknownFieldKeyword": `{"objects":[{"name":"A","keyPrefix":"001","fields":[{"name":"X","type":"string","size":3}]}]}`,
	}
	for name, data := range bad {
		if _, err := ParseSchema([]byte(data)); err == nil {
			t.Errorf("%s: ParseSchema succeeded", name)
		} else if !strings.HasPrefix(err.Error(), "parse schema: ") {
			t.Errorf("%s: error %q lacks the prefix", name, err)
		}
	}
}

func TestCustomSchemaServer(t *testing.T) {
	schema, err := ParseSchema([]byte(customSchema))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := MustServer(t, Options{Schema: schema, Accounts: 20})
	tok := MustToken(t, s)
	// Generated accounts fill the fields the schema has.
	recs := s.Records("Account")
	if len(recs) != 20 || recs[0]["Name"] == nil {
		t.Fatalf("records = %v", recs)
	}
	if _, has := recs[0]["Start_Date__c"]; has {
		t.Fatal("a field outside the schema appeared")
	}
	id, err := s.Insert("Project__c", map[string]any{"Name": "Migration", "Due__c": "2024-05-01"})
	if err != nil || !strings.HasPrefix(id, "a01") {
		t.Fatalf("Insert = %q, %v", id, err)
	}
	var qr queryResult
	mustJSON(t, call(t, s, tok, http.MethodGet, queryPath("SELECT Name, Due__c FROM Project__c WHERE Due__c > TODAY"), nil).body, &qr)
	if qr.TotalSize != 1 || qr.Records[0]["Name"] != "Migration" {
		t.Fatalf("query = %+v", qr)
	}
	_, res, body := collection(t, s, tok, false, []map[string]any{
		{"attributes": map[string]any{"type": "Project__c"}, "id": id, "Due__c": "2024-06-01"},
		acct(recs[0]["Id"].(string), map[string]any{"Tier__c": "Bronze"}),
	})
	if !res[0].Success || res[1].Errors[0].StatusCode != "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" {
		t.Fatalf("mixed-object collection: %s", body)
	}
	// A schema built by hand is checked and indexed like a parsed one.
	hand, _ := MustServer(t, Options{Schema: &Schema{Objects: []*ObjectSchema{{Name: "Project__c", KeyPrefix: "a01"}}}})
	if _, err := hand.Insert("Project__c", map[string]any{}); err != nil {
		t.Fatalf("insert into a hand-built schema: %v", err)
	}
	if _, err := Start("127.0.0.1:0", Options{Schema: &Schema{}}); err == nil {
		t.Fatal("an empty hand-built schema was accepted")
	}
	noAccount, err := ParseSchema([]byte(`{"objects":[{"name":"Project__c","keyPrefix":"a01"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Start("127.0.0.1:0", Options{Schema: noAccount, Accounts: 5}); err == nil {
		t.Fatal("generating accounts without an Account object succeeded")
	}
}

func TestDefaultSchema(t *testing.T) {
	a, ok := DefaultSchema().Object("Account")
	if !ok || a.KeyPrefix != "001" {
		t.Fatal("no Account")
	}
	types := map[string]string{
		"Start_Date__c": "date", "Renewal_Date__c": "date", "Paying_Customer__c": "boolean", "Customer_Health__c": "picklist",
		"Active_Users__c": "double", "Licensed_Seats__c": "double", "Last_Activity_Date__c": "date", "NPS__c": "double",
		"Lifecycle_Tags__c": "textarea", "Account_Lifecycle_Status__c": "picklist", "Name": "string", "Type": "picklist",
		"OwnerId": "reference", "CreatedDate": "datetime", "LastModifiedDate": "datetime", "SystemModstamp": "datetime",
		"IsDeleted": "boolean", "Id": "id",
	}
	for name, typ := range types {
		f, _, ok := a.Field(name)
		if !ok || f.Type != typ {
			t.Errorf("%s: %+v, want type %s", name, f, typ)
		}
	}
	if f, _, _ := a.Field("Account_Lifecycle_Status__c"); !f.RestrictedPicklist || len(f.PicklistValues) != 12 {
		t.Errorf("status picklist = %+v", f)
	}
}
