package sftest

import (
	"net/http"
	"strings"
	"testing"
)

const uiPicklistPath = "/services/data/v62.0/ui-api/object-info/"

func TestUIAPIPicklistValues(t *testing.T) {
	s, _ := MustServer(t, Options{})
	tok := MustToken(t, s)
	get := func(rest string) (int, map[string]uiPicklistValues, []byte) {
		t.Helper()
		resp := call(t, s, tok, http.MethodGet, uiPicklistPath+rest, nil)
		var out struct {
			PicklistFieldValues map[string]uiPicklistValues `json:"picklistFieldValues"`
		}
		if resp.status == http.StatusOK {
			mustJSON(t, resp.body, &out)
		}
		return resp.status, out.PicklistFieldValues, resp.body
	}
	status, partner, body := get("Account/picklist-values/" + PartnerRecordTypeID)
	if status != http.StatusOK || len(partner) != 3 {
		t.Fatalf("partner: %d %s", status, body)
	}
	st := partner["Account_Lifecycle_Status__c"]
	var got []string
	for _, v := range st.Values {
		got = append(got, v.Value)
	}
	if strings.Join(got, ",") != "Core-Good,Core-Average,Core-Poor" {
		t.Errorf("partner statuses = %v", got)
	}
	if st.URL != uiPicklistPath+"Account/picklist-values/"+PartnerRecordTypeID+"/Account_Lifecycle_Status__c" ||
		st.ETag == "" || st.ControllerValues == nil || st.DefaultValue != nil {
		t.Errorf("partner status body = %+v", st)
	}
	// The documented shape, key by key.
	for _, want := range []string{`"controllerValues":{}`, `"defaultValue":null`, `"eTag":"`, `"attributes":null`, `"validFor":[]`,
		`{"attributes":null,"label":"Healthy","validFor":[],"value":"Good"}`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("body lacks %s: %s", want, body)
		}
	}
	for _, rt := range []string{CustomerRecordTypeID, MasterRecordTypeID, strings.ToLower(CustomerRecordTypeID), CustomerRecordTypeID[:15]} {
		status, vals, body := get("account/picklist-values/" + rt)
		if status != http.StatusOK || len(vals["Account_Lifecycle_Status__c"].Values) != 12 || len(vals["Type"].Values) != 7 {
			t.Errorf("%s: %d %s", rt, status, body)
		}
		if vals["Account_Lifecycle_Status__c"].ETag == st.ETag {
			t.Errorf("%s: eTag equals the partner's", rt)
		}
	}
	resp := call(t, s, tok, http.MethodGet, uiPicklistPath+"Account/picklist-values/"+PartnerRecordTypeID+"/Customer_Health__c", nil)
	var one uiPicklistValues
	mustJSON(t, resp.body, &one)
	if resp.status != http.StatusOK || len(one.Values) != 3 || one.Values[2].Label != "At Risk" || one.Values[2].Value != "Poor" {
		t.Errorf("one field: %d %s", resp.status, resp.body)
	}

	errs := []struct {
		name, rest string
		status     int
		code       string
	}{
		{"UnknownObject", "Nope__c/picklist-values/" + CustomerRecordTypeID, 400, "INVALID_TYPE"},
		{"NotAnID", "Account/picklist-values/abc", 400, "MALFORMED_ID"},
		{"AccountID", "Account/picklist-values/" + makeID("001", 1), 400, "MALFORMED_ID"},
		{"NoSuchRecordType", "Account/picklist-values/012Dn0000000009IAA", 404, "NOT_FOUND"},
		{"NotAPicklist", "Account/picklist-values/" + CustomerRecordTypeID + "/Name", 404, "NOT_FOUND"},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			resp := call(t, s, tok, http.MethodGet, uiPicklistPath+tc.rest, nil)
			if resp.status != tc.status || apiErrors(t, resp.body)[0].ErrorCode != tc.code {
				t.Fatalf("%d %s, want %d %s", resp.status, resp.body, tc.status, tc.code)
			}
		})
	}
	if resp := call(t, s, "", http.MethodGet, uiPicklistPath+"Account/picklist-values/"+PartnerRecordTypeID, nil); resp.status != http.StatusUnauthorized {
		t.Errorf("no token: %d", resp.status)
	}
	st2 := s.Stats()
	if st2.Requests["picklistValues"][200] != 6 || st2.Requests["picklistValues"][400] != 3 || st2.Requests["picklistValues"][404] != 2 {
		t.Errorf("stats = %v", st2.Requests["picklistValues"])
	}
	if used, _ := s.APIUsage(); used != 11 {
		t.Errorf("API usage = %d, want 11 (every call with a session)", used)
	}
}
