package sftest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestDescribeRecordTypes(t *testing.T) {
	s, _ := MustServer(t, Options{})
	tok := MustToken(t, s)
	resp := call(t, s, tok, http.MethodGet, "/services/data/v"+testVersion+"/sobjects/Account/describe", nil)
	var d struct {
		RecordTypeInfos []map[string]any `json:"recordTypeInfos"`
		Fields          []fieldDescribe  `json:"fields"`
	}
	mustJSON(t, resp.body, &d)
	if len(d.RecordTypeInfos) != 3 {
		t.Fatalf("recordTypeInfos = %v", d.RecordTypeInfos)
	}
	keys := []string{"active", "available", "defaultRecordTypeMapping", "developerName", "master", "name", "recordTypeId", "urls"}
	byName := map[string]map[string]any{}
	for _, info := range d.RecordTypeInfos {
		if len(info) != len(keys) {
			t.Errorf("record type info keys = %v, want %v", info, keys)
		}
		for _, k := range keys {
			if _, ok := info[k]; !ok {
				t.Errorf("record type info lacks %s: %v", k, info)
			}
		}
		byName[info["developerName"].(string)] = info
	}
	want := map[string][4]any{ // recordTypeId, available, default, master
		"Customer": {CustomerRecordTypeID, true, true, false},
		"Partner":  {PartnerRecordTypeID, true, false, false},
		"Master":   {MasterRecordTypeID, false, false, true},
	}
	for name, w := range want {
		info := byName[name]
		got := [4]any{info["recordTypeId"], info["available"], info["defaultRecordTypeMapping"], info["master"]}
		if got != w {
			t.Errorf("%s = %v, want %v", name, got, w)
		}
	}
	fields := map[string]fieldDescribe{}
	for _, f := range d.Fields {
		fields[f.Name] = f
	}
	if f := fields["RecordTypeId"]; f.Type != "reference" || !f.Updateable || !f.Nillable || len(f.ReferenceTo) != 1 || f.ReferenceTo[0] != "RecordType" {
		t.Errorf("RecordTypeId = %+v", f)
	}
	if f := fields["Customer_Health__c"]; len(f.PicklistValues) != 3 ||
		f.PicklistValues[0] != (picklistEntry{Active: true, Label: "Healthy", Value: "Good"}) {
		t.Errorf("Customer_Health__c values = %+v", f.PicklistValues)
	}
	if f := fields["Last_Login__c"]; f.Type != "datetime" || f.SoapType != "xsd:dateTime" {
		t.Errorf("Last_Login__c = %+v", f)
	}

	// An object without record types has the master alone, available.
	schema, err := ParseSchema([]byte(customSchema))
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := MustServer(t, Options{Schema: schema})
	resp = call(t, s2, MustToken(t, s2), http.MethodGet, "/services/data/v"+testVersion+"/sobjects/Project__c/describe", nil)
	mustJSON(t, resp.body, &d)
	if len(d.RecordTypeInfos) != 1 || d.RecordTypeInfos[0]["master"] != true || d.RecordTypeInfos[0]["available"] != true ||
		d.RecordTypeInfos[0]["defaultRecordTypeMapping"] != true {
		t.Errorf("recordTypeInfos without record types = %v", d.RecordTypeInfos)
	}
}

func TestRecordTypeRestrictsPicklist(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 6, Seed: 3, PartnerShare: 1})
	tok := MustToken(t, s)
	id := ids(s, 3)
	for _, r := range s.Records("Account") {
		st, _ := r["Account_Lifecycle_Status__c"].(string)
		if r["RecordTypeId"] != PartnerRecordTypeID || (st != "" && !strings.HasPrefix(st, "Core-")) {
			t.Fatalf("generated partner account = %v", r)
		}
	}
	path := "/services/data/v62.0/sobjects/Account/" + id[0]

	resp := call(t, s, tok, http.MethodPatch, path, map[string]any{"Account_Lifecycle_Status__c": "Renewal-Low Risk"})
	e := apiErrors(t, resp.body)[0]
	if resp.status != http.StatusBadRequest || e.ErrorCode != "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" ||
		e.Message != "bad value for restricted picklist field: Renewal-Low Risk" || strings.Join(e.Fields, ",") != "Account_Lifecycle_Status__c" {
		t.Fatalf("partner status outside its values: %d %s", resp.status, resp.body)
	}
	if resp = call(t, s, tok, http.MethodPatch, path, map[string]any{"Account_Lifecycle_Status__c": "Core-Poor"}); resp.status != http.StatusNoContent {
		t.Fatalf("partner Core-Poor: %d %s", resp.status, resp.body)
	}
	// A label is not a value.
	resp = call(t, s, tok, http.MethodPatch, path, map[string]any{"Customer_Health__c": "Healthy"})
	if e := apiErrors(t, resp.body)[0]; e.ErrorCode != "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" {
		t.Fatalf("label written as value: %s", resp.body)
	}

	// The record type the write sets decides, whatever the field order.
	_, res, body := collection(t, s, tok, false, []map[string]any{
		acct(id[0], map[string]any{"RecordTypeId": CustomerRecordTypeID[:15], "Account_Lifecycle_Status__c": "Renewal-Low Risk"}),
		acct(id[1], map[string]any{"Account_Lifecycle_Status__c": "Renewal-Low Risk"}),
		acct(id[2], map[string]any{"RecordTypeId": "012000000000000AAA"}),
		acct(id[2], map[string]any{"RecordTypeId": "012Dn0000000009IAA"}),
	})
	if !res[0].Success || field(t, s, id[0], "RecordTypeId") != CustomerRecordTypeID ||
		field(t, s, id[0], "Account_Lifecycle_Status__c") != "Renewal-Low Risk" {
		t.Fatalf("switch to Customer with a renewal status: %s", body)
	}
	if res[1].Success || res[1].Errors[0].StatusCode != "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" {
		t.Fatalf("partner renewal status in collections: %s", body)
	}
	for _, r := range res[2:] { // the same id twice, and bad record types
		if r.Success {
			t.Fatalf("bad record type written: %s", body)
		}
	}
	_, res, body = collection(t, s, tok, false, []map[string]any{
		acct(id[2], map[string]any{"RecordTypeId": MasterRecordTypeID}),
		acct(id[1], map[string]any{"RecordTypeId": "012Dn0000000009IAA"}),
		acct(id[0], map[string]any{"RecordTypeId": PartnerRecordTypeID, "Account_Lifecycle_Status__c": "Renewal-High Risk"}),
	})
	for i, r := range res {
		if r.Success {
			t.Fatalf("record %d written: %s", i, body)
		}
	}
	if e := res[0].Errors[0]; e.StatusCode != "INVALID_CROSS_REFERENCE_KEY" || strings.Join(e.Fields, ",") != "RecordTypeId" ||
		e.Message != "Record Type ID: this ID value isn't valid for the user: "+MasterRecordTypeID {
		t.Fatalf("master record type: %s", body)
	}
	if res[1].Errors[0].StatusCode != "INVALID_CROSS_REFERENCE_KEY" || res[2].Errors[0].StatusCode != "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" {
		t.Fatalf("unknown record type or partner renewal: %s", body)
	}

	// A user's edit is held to the record type too; an insert gets the default.
	if err := s.Update("Account", id[1], map[string]any{"Account_Lifecycle_Status__c": "90 Day OnBoard-Good"}); err == nil ||
		!strings.Contains(err.Error(), "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST") {
		t.Fatalf("Update of a partner with an onboarding status: %v", err)
	}
	nid, err := s.Insert("Account", map[string]any{"Name": "Fresh Co", "Account_Lifecycle_Status__c": "90 Day OnBoard-Good"})
	if err != nil || field(t, s, nid, "RecordTypeId") != CustomerRecordTypeID {
		t.Fatalf("Insert: %v, record type %v", err, field(t, s, nid, "RecordTypeId"))
	}
	if _, err := s.Insert("Account", map[string]any{"Name": "P Co", "RecordTypeId": PartnerRecordTypeID, "Account_Lifecycle_Status__c": "Renewal-Low Risk"}); err == nil {
		t.Fatal("Insert of a partner with a renewal status succeeded")
	}
}

func TestSchemaRecordTypesAndLabels(t *testing.T) {
	data := `{"objects":[{"name":"Account","keyPrefix":"001","fields":[
	  {"name":"Name","type":"string","updateable":true},
	  {"name":"Health__c","type":"picklist","updateable":true,"nillable":true,"restrictedPicklist":true,
	   "picklistValues":["Good",{"value":"GREEN","label":"Healthy"}]}],
	  "recordTypes":[{"developerName":"Retail","name":"Retail Accounts"},
	   {"developerName":"Wholesale","default":true,"picklistValues":{"Health__c":["GREEN"]}}]}]}`
	schema, err := ParseSchema([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := schema.Object("Account")
	f, _, _ := a.Field("Health__c")
	if f.PicklistValues[0] != (PicklistValue{Value: "Good", Label: "Good"}) || f.PicklistValues[1] != (PicklistValue{Value: "GREEN", Label: "Healthy"}) {
		t.Errorf("values = %+v", f.PicklistValues)
	}
	if rtf, _, ok := a.Field("RecordTypeId"); !ok || rtf.Type != "reference" {
		t.Errorf("RecordTypeId not added: %+v", rtf)
	}
	if def := a.defaultRecordType(); def.DeveloperName != "Wholesale" || len(def.ID) != 18 || !strings.HasPrefix(def.ID, "012") {
		t.Errorf("default = %+v", def)
	}
	if a.RecordTypes[0].Name != "Retail Accounts" || a.RecordTypes[1].Name != "Wholesale" {
		t.Errorf("names = %q %q", a.RecordTypes[0].Name, a.RecordTypes[1].Name)
	}
	// The schema writes back to JSON that parses to the same thing.
	out, err := json.Marshal(schema)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseSchema(out)
	if err != nil {
		t.Fatalf("reparse %s: %v", out, err)
	}
	a2, _ := again.Object("Account")
	if f2, _, _ := a2.Field("Health__c"); f2.PicklistValues[1] != f.PicklistValues[1] || len(a2.RecordTypes) != 2 ||
		a2.RecordTypes[1].ID != a.RecordTypes[1].ID || !a2.RecordTypes[1].allows(f2, "GREEN") || a2.RecordTypes[1].allows(f2, "Good") {
		t.Errorf("round trip lost something: %s", out)
	}

	bad := map[string]string{
		"EmptyValue":      `[""]`,
		"RepeatedValue":   `["A","A"]`,
		"ValueUnknownKey": `[{"value":"A","color":"red"}]`,
		"ValueNotString":  `[3]`,
	}
	for name, values := range bad {
		doc := `{"objects":[{"name":"A","keyPrefix":"001","fields":[{"name":"P","type":"picklist","picklistValues":` + values + `}]}]}`
		if _, err := ParseSchema([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	badRT := map[string]string{
		"NoDeveloperName": `[{"name":"X"}]`,
		"Master":          `[{"developerName":"Master"}]`,
		"TwiceNamed":      `[{"developerName":"X"},{"developerName":"x"}]`,
		"BadID":           `[{"developerName":"X","id":"001000000000000AAA"}]`,
		"SameID":          `[{"developerName":"X","id":"012Dn0000000001"},{"developerName":"Y","id":"012Dn0000000001IAA"}]`,
		"TwoDefaults":     `[{"developerName":"X","default":true},{"developerName":"Y","default":true}]`,
		"NotAPicklist":    `[{"developerName":"X","picklistValues":{"Name":["A"]}}]`,
		"UnknownValue":    `[{"developerName":"X","picklistValues":{"P":["Z"]}}]`,
		"UnknownKey":      `[{"developerName":"X","active":true}]`,
	}
	for name, rts := range badRT {
		doc := `{"objects":[{"name":"A","keyPrefix":"001","fields":[{"name":"Name","type":"string"},{"name":"P","type":"picklist","picklistValues":["A"]}],"recordTypes":` + rts + `}]}`
		if _, err := ParseSchema([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
