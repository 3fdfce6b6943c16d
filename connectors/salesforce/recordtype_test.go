package salesforce

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// picklistCollectionBody is a Picklist Values Collection as the UI API
// documents it (ui_api_responses_picklist_values.htm), for a record type
// that allows two of a field's values.
const picklistCollectionBody = `{
  "eTag": "9b4f0c",
  "picklistFieldValues": {
    "Account_Lifecycle_Status__c": {
      "controllerValues": {},
      "defaultValue": null,
      "eTag": "a1",
      "url": "/services/data/v62.0/ui-api/object-info/Account/picklist-values/0125g000000AbCdAAK/Account_Lifecycle_Status__c",
      "values": [
        {"attributes": null, "label": "Core - Good", "validFor": [], "value": "Core-Good"},
        {"attributes": null, "label": "Core-Poor", "validFor": [], "value": "Core-Poor"}
      ]
    },
    "Industry": {
      "controllerValues": {},
      "defaultValue": {"attributes": null, "label": "Banking", "validFor": [], "value": "Banking"},
      "eTag": "b2",
      "url": "/services/data/v62.0/ui-api/object-info/Account/picklist-values/0125g000000AbCdAAK/Industry",
      "values": [{"attributes": null, "label": "Banking", "validFor": [], "value": "Banking"}]
    }
  }
}`

// TestRecordTypePicklists reads one record type's picklist values from a
// fake org: one authenticated GET of the documented UI API path, values in
// order with their labels, every one active.
func TestRecordTypePicklists(t *testing.T) {
	var method, path, auth atomic.Value
	f := newFakeOrg(t, func(w http.ResponseWriter, r *http.Request) {
		method.Store(r.Method)
		path.Store(r.URL.Path)
		auth.Store(r.Header.Get("Authorization"))
		reply(w, 200, "application/json", picklistCollectionBody)
	})
	c := f.open(t, nil)
	got, err := c.RecordTypePicklists(context.Background(), "Account", "0125g000000AbCdAAK")
	if err != nil {
		t.Fatal(err)
	}
	if m, p := method.Load(), path.Load(); m != "GET" || p != "/services/data/v62.0/ui-api/object-info/Account/picklist-values/0125g000000AbCdAAK" {
		t.Fatalf("request = %v %v", m, p)
	}
	if a, _ := auth.Load().(string); !strings.HasPrefix(a, "Bearer "+fakeTokenPrefix) {
		t.Errorf("Authorization = %q, want the bearer token", a)
	}
	want := map[string][]PicklistValue{
		"Account_Lifecycle_Status__c": {{Value: "Core-Good", Label: "Core - Good", Active: true}, {Value: "Core-Poor", Label: "Core-Poor", Active: true}},
		"Industry":                    {{Value: "Banking", Label: "Banking", Active: true}},
	}
	if len(got) != len(want) {
		t.Fatalf("fields = %v, want %v", got, want)
	}
	for field, vals := range want {
		if !slices.Equal(got[field], vals) {
			t.Errorf("%s = %v, want %v", field, got[field], vals)
		}
	}
	if n := f.data.Load(); n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}

// TestRecordTypePicklistsRefusesBadArguments checks the object name and
// record type ID before any request, so nothing odd reaches the URL path.
func TestRecordTypePicklistsRefusesBadArguments(t *testing.T) {
	f := newFakeOrg(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, "application/json", picklistCollectionBody)
	})
	c := f.open(t, nil)
	bad := []struct{ name, object, id string }{
		{"EmptyID", "Account", ""},
		{"AccountID", "Account", "001000000000001AAA"},
		{"ShortID", "Account", "01200000000000"},
		{"SixteenChars", "Account", "012000000000000AA"[:16]},
		{"NineteenChars", "Account", "012000000000000AAAA"},
		{"Slash", "Account", "012000000000/00AAA"},
		{"DotDot", "Account", "012000000000..AAA"},
		{"NonASCII", "Account", "012000000000000ÄA"},
		{"QueryInID", "Account", "012000000000?00AAA"},
		{"EmptyObject", "", MasterRecordTypeID},
		{"PathObject", "Account/../User", MasterRecordTypeID},
		{"SpaceObject", "Account ", MasterRecordTypeID},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.RecordTypePicklists(context.Background(), tt.object, tt.id); err == nil || Classify(err) != ClassPermanent {
				t.Fatalf("RecordTypePicklists(%q, %q) = %v, want a permanent error", tt.object, tt.id, err)
			}
		})
	}
	if n := f.data.Load(); n != 0 {
		t.Fatalf("%d requests made for invalid arguments", n)
	}
	if _, err := c.RecordTypePicklists(context.Background(), "Account", MasterRecordTypeID[:15]); err != nil {
		t.Fatalf("a 15-character ID: %v", err)
	}
}

// TestRecordTypePicklistsErrors: a UI API error is an *APIError of the
// usual class, a 503 is retried, and a 2xx body of another shape is
// retried and then transient.
func TestRecordTypePicklistsErrors(t *testing.T) {
	t.Run("NotFound", func(t *testing.T) {
		f := newFakeOrg(t, func(w http.ResponseWriter, r *http.Request) {
			reply(w, 404, "application/json", `[{"errorCode":"NOT_FOUND","message":"The requested resource does not exist"}]`)
		})
		c := f.open(t, nil)
		_, err := c.RecordTypePicklists(context.Background(), "Account", "0125g000000ZzZzAAK")
		var ap *APIError
		if !errors.As(err, &ap) || ap.Status != 404 || ap.Code != "NOT_FOUND" || Classify(err) != ClassPermanent {
			t.Fatalf("err = %v, want a permanent 404 NOT_FOUND", err)
		}
		if n := f.data.Load(); n != 1 {
			t.Errorf("requests = %d, want 1 (not retried)", n)
		}
	})
	t.Run("UnavailableThenOK", func(t *testing.T) {
		var n atomic.Int64
		f := newFakeOrg(t, func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				reply(w, 503, "application/json", `[{"errorCode":"SERVER_UNAVAILABLE","message":"down"}]`)
				return
			}
			reply(w, 200, "application/json", picklistCollectionBody)
		})
		c := f.open(t, nil)
		got, err := c.RecordTypePicklists(context.Background(), "Account", MasterRecordTypeID)
		if err != nil || len(got["Industry"]) != 1 {
			t.Fatalf("got %v, %v; want the values after a retry", got, err)
		}
		if n.Load() != 2 {
			t.Errorf("requests = %d, want 2", n.Load())
		}
	})
	for name, body := range map[string]string{
		"WrongShape":   `{"records":[]}`,
		"NullValues":   `{"picklistFieldValues":{"Industry":{"values":null}}}`,
		"ValueMissing": `{"picklistFieldValues":{"Industry":{"values":[{"label":"Banking"}]}}}`,
		"Truncated":    `{"picklistFieldValues":{"Industry":{"values":[{"label":"Bank`,
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeOrg(t, func(w http.ResponseWriter, r *http.Request) {
				reply(w, 200, "application/json", body)
			})
			c := f.open(t, nil)
			_, err := c.RecordTypePicklists(context.Background(), "Account", MasterRecordTypeID)
			if !errors.Is(err, ErrMalformedResponse) || Classify(err) != ClassTransient {
				t.Fatalf("err = %v, want a transient malformed response", err)
			}
			if n := f.data.Load(); n < 2 {
				t.Errorf("requests = %d, want retries", n)
			}
		})
	}
}

// describeWithRecordTypes is an sObject describe as the REST API returns it
// for an Account with two record types besides Master.
const describeWithRecordTypes = `{
  "name": "Account",
  "fields": [{"name": "Id", "label": "Account ID", "type": "id", "length": 18}],
  "recordTypeInfos": [
    {"active": true, "available": true, "defaultRecordTypeMapping": false, "developerName": "Customer",
     "master": false, "name": "Customer Account", "recordTypeId": "0125g000000AbCdAAK",
     "urls": {"layout": "/services/data/v62.0/sobjects/Account/describe/layouts/0125g000000AbCdAAK"}},
    {"active": false, "available": false, "defaultRecordTypeMapping": false, "developerName": "Old",
     "master": false, "name": "Old", "recordTypeId": "0125g000000OlDdAAC", "urls": {}},
    {"active": true, "available": true, "defaultRecordTypeMapping": true, "developerName": "Master",
     "master": true, "name": "Master", "recordTypeId": "012000000000000AAA", "urls": {}}
  ]
}`

// TestDescribeRecordTypes reads recordTypeInfos into Describe.RecordTypes,
// in order, with every flag.
func TestDescribeRecordTypes(t *testing.T) {
	f := newFakeOrg(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, "application/json", describeWithRecordTypes)
	})
	c := f.open(t, nil)
	d, err := c.Describe(context.Background(), "Account")
	if err != nil {
		t.Fatal(err)
	}
	want := []RecordType{
		{ID: "0125g000000AbCdAAK", Name: "Customer Account", DeveloperName: "Customer", Active: true, Available: true},
		{ID: "0125g000000OlDdAAC", Name: "Old", DeveloperName: "Old"},
		{ID: MasterRecordTypeID, Name: "Master", DeveloperName: "Master", Active: true, Available: true, Master: true, Default: true},
	}
	if !slices.Equal(d.RecordTypes, want) {
		t.Fatalf("RecordTypes = %+v\nwant %+v", d.RecordTypes, want)
	}
}

// FuzzParsePicklistCollection: any body either parses into values that all
// carry a value, or fails with ErrMalformedResponse; never a panic.
func FuzzParsePicklistCollection(f *testing.F) {
	f.Add([]byte(picklistCollectionBody))
	f.Add([]byte(`{"picklistFieldValues":{}}`))
	f.Add([]byte(`{"picklistFieldValues":{"A":null}}`))
	f.Add([]byte(`{"picklistFieldValues":{"A":{"values":[{"value":null}]}}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := parsePicklistCollection(body)
		if err != nil {
			if !errors.Is(err, ErrMalformedResponse) {
				t.Fatalf("error %v does not wrap ErrMalformedResponse", err)
			}
			return
		}
		for field, vals := range out {
			for _, v := range vals {
				if !v.Active {
					t.Fatalf("%s value %q not active", field, v.Value)
				}
			}
		}
	})
}
