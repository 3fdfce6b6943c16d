package sftest

import (
	"net/http"
	"slices"
	"testing"
)

func TestVersions(t *testing.T) {
	s, _ := MustServer(t, Options{})
	resp := call(t, s, "", http.MethodGet, "/services/data/", nil)
	if resp.status != http.StatusOK {
		t.Fatalf("status %d: %s", resp.status, resp.body)
	}
	var vs []versionInfo
	mustJSON(t, resp.body, &vs)
	if got, want := vs[0], (versionInfo{Label: "Summer '14", URL: "/services/data/v31.0", Version: "31.0"}); got != want {
		t.Errorf("first version = %+v, want %+v", got, want)
	}
	i := slices.IndexFunc(vs, func(v versionInfo) bool { return v.Version == "62.0" })
	if i < 0 || vs[i].Label != "Winter '25" || vs[i].URL != "/services/data/v62.0" {
		t.Errorf("62.0 missing or mislabelled: %+v", vs)
	}
	if used, _ := s.APIUsage(); used != 0 {
		t.Errorf("the versions list counted against the API limit: used = %d", used)
	}
	if h := resp.header.Get("Sforce-Limit-Info"); h != "" {
		t.Errorf("the versions list carries Sforce-Limit-Info %q", h)
	}
}

func TestResourcesAndLimits(t *testing.T) {
	s, _ := MustServer(t, Options{APILimit: 5000})
	tok := MustToken(t, s)
	resp := call(t, s, tok, http.MethodGet, "/services/data/v"+testVersion+"/", nil)
	var res map[string]string
	mustJSON(t, resp.body, &res)
	if got, want := res["query"], "/services/data/v62.0/query"; got != want {
		t.Errorf("resources query = %q, want %q", got, want)
	}
	resp = call(t, s, tok, http.MethodGet, "/services/data/v"+testVersion+"/limits", nil)
	var lim map[string]limit
	mustJSON(t, resp.body, &lim)
	// The resources call and this one have counted.
	if got, want := lim["DailyApiRequests"], (limit{Max: 5000, Remaining: 4998}); got != want {
		t.Errorf("DailyApiRequests = %+v, want %+v", got, want)
	}
}

func TestDescribe(t *testing.T) {
	s, _ := MustServer(t, Options{})
	tok := MustToken(t, s)
	resp := call(t, s, tok, http.MethodGet, "/services/data/v"+testVersion+"/sobjects/account/describe", nil)
	if resp.status != http.StatusOK {
		t.Fatalf("status %d: %s", resp.status, resp.body)
	}
	var d struct {
		Name      string          `json:"name"`
		KeyPrefix string          `json:"keyPrefix"`
		Fields    []fieldDescribe `json:"fields"`
	}
	mustJSON(t, resp.body, &d)
	if d.Name != "Account" || d.KeyPrefix != "001" {
		t.Fatalf("name %q keyPrefix %q", d.Name, d.KeyPrefix)
	}
	byName := map[string]fieldDescribe{}
	for _, f := range d.Fields {
		byName[f.Name] = f
	}
	for _, name := range []string{"Id", "Name", "Type", "OwnerId", "CreatedDate", "LastModifiedDate", "SystemModstamp", "IsDeleted",
		"Start_Date__c", "Renewal_Date__c", "Paying_Customer__c", "Customer_Health__c", "Active_Users__c", "Licensed_Seats__c",
		"Last_Activity_Date__c", "NPS__c", "Lifecycle_Tags__c", "Account_Lifecycle_Status__c"} {
		if _, ok := byName[name]; !ok {
			t.Errorf("describe lacks %s", name)
		}
	}
	tags := byName["Lifecycle_Tags__c"]
	if tags.Type != "textarea" || tags.Length != 32768 || !tags.Updateable || !tags.Nillable || !tags.Custom {
		t.Errorf("Lifecycle_Tags__c = %+v", tags)
	}
	status := byName["Account_Lifecycle_Status__c"]
	if status.Type != "picklist" || !status.RestrictedPicklist || len(status.PicklistValues) != 12 ||
		status.PicklistValues[0] != (picklistEntry{Active: true, Label: "30 Day OnBoard-Good", Value: "30 Day OnBoard-Good"}) {
		t.Errorf("Account_Lifecycle_Status__c = %+v", status)
	}
	health := byName["Customer_Health__c"]
	if !health.RestrictedPicklist || len(health.PicklistValues) != 3 {
		t.Errorf("Customer_Health__c = %+v", health)
	}
	for _, name := range []string{"Id", "CreatedDate", "SystemModstamp", "LastModifiedDate", "IsDeleted"} {
		if f := byName[name]; f.Updateable || f.Custom {
			t.Errorf("%s: updateable %v custom %v, want false false", name, f.Updateable, f.Custom)
		}
	}
	if f := byName["Start_Date__c"]; f.Type != "date" || !f.Updateable || !f.Nillable || !f.Custom {
		t.Errorf("Start_Date__c = %+v", f)
	}
	if f := byName["Paying_Customer__c"]; f.Type != "boolean" || f.Nillable {
		t.Errorf("Paying_Customer__c = %+v", f)
	}
	if f := byName["Active_Users__c"]; f.Type != "double" {
		t.Errorf("Active_Users__c = %+v", f)
	}

	resp = call(t, s, tok, http.MethodGet, "/services/data/v"+testVersion+"/sobjects/Nope__c/describe", nil)
	if resp.status != http.StatusNotFound || apiErrors(t, resp.body)[0].ErrorCode != "NOT_FOUND" {
		t.Fatalf("unknown object: status %d body %s", resp.status, resp.body)
	}
	resp = call(t, s, tok, http.MethodGet, "/services/data/v"+testVersion+"/sobjects", nil)
	var g struct {
		Sobjects []struct{ Name string } `json:"sobjects"`
	}
	mustJSON(t, resp.body, &g)
	if len(g.Sobjects) != 2 || g.Sobjects[0].Name != "Account" || g.Sobjects[1].Name != "Task" {
		t.Fatalf("describe global = %s", resp.body)
	}
}
