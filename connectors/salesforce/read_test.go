package salesforce

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
)

// TestQueryPaginates reads 450 accounts in pages of 200: three pages, each
// record once, in order, with attributes and without simpleforce's
// internals.
func TestQueryPaginates(t *testing.T) {
	stdlog := captureStdLog(t)
	srv := mustEmulator(t, sftest.Options{Accounts: 450, Seed: 5})
	c := mustClient(t, srv, func(o *Options) { o.QueryBatchSize = 200 })
	recs, pages := queryAll(t, c, "SELECT Id, Name, Paying_Customer__c FROM Account ORDER BY Id")
	if pages != 3 {
		t.Errorf("pages = %d, want 3", pages)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r["Id"].(string))
		if _, ok := r[simpleforceClientKey]; ok {
			t.Fatal("record carries simpleforce's client")
		}
		attrs, ok := r["attributes"].(map[string]any)
		if !ok || attrs["type"] != "Account" {
			t.Fatalf("attributes = %v", r["attributes"])
		}
		if _, ok := r["Paying_Customer__c"].(bool); !ok {
			t.Fatalf("Paying_Customer__c = %#v, want a bool", r["Paying_Customer__c"])
		}
	}
	if want := accountIDs(srv); !slices.Equal(ids, want) {
		t.Fatalf("got %d ids, want the emulator's %d in order", len(ids), len(want))
	}
	if got := statusCount(srv, "query", 200); got != 1 {
		t.Errorf("query requests = %d, want 1", got)
	}
	if got := statusCount(srv, "queryMore", 200); got != 2 {
		t.Errorf("queryMore requests = %d, want 2", got)
	}
	if used, max := c.Usage(); used == 0 || max != sftest.DefaultAPILimit {
		t.Errorf("Usage() = %d/%d, want >0/%d", used, max, sftest.DefaultAPILimit)
	}
	if out := stdlog.String(); out != "" {
		t.Errorf("standard log output: %s", out)
	}
}

// TestQueryCallbackErrorStops checks that an error from the callback ends
// the query at once and comes back unchanged.
func TestQueryCallbackErrorStops(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 450, Seed: 5})
	c := mustClient(t, srv, func(o *Options) { o.QueryBatchSize = 200 })
	stop := errors.New("stop here")
	pages := 0
	err := c.Query(context.Background(), "SELECT Id FROM Account", func([]Record) error {
		pages++
		return stop
	})
	if err != stop || pages != 1 {
		t.Fatalf("Query = %v after %d pages, want the callback's error after 1", err, pages)
	}
}

// TestQueryErrors checks a malformed query (permanent) and the API limit.
func TestQueryErrors(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 3, Seed: 5, APILimit: 50})
	c := mustClient(t, srv, nil)
	err := c.Query(context.Background(), "SELECT Id FROM", func([]Record) error { return nil })
	var ap *APIError
	if !errors.As(err, &ap) || ap.Code != "MALFORMED_QUERY" || Classify(err) != ClassPermanent {
		t.Fatalf("malformed query = %v, want a permanent MALFORMED_QUERY", err)
	}
	err = c.Query(context.Background(), "SELECT Nope__c FROM Account", func([]Record) error { return nil })
	if !errors.As(err, &ap) || ap.Code != "INVALID_FIELD" || Classify(err) != ClassPermanent {
		t.Fatalf("unknown field = %v, want a permanent INVALID_FIELD", err)
	}
	if got := statusCount(srv, "query", 400); got != 2 {
		t.Fatalf("400 answers = %d, want 2 (permanent errors are not retried)", got)
	}

	srv.SetAPIUsage(50)
	err = c.Query(context.Background(), "SELECT Id FROM Account", func([]Record) error { return nil })
	if Classify(err) != ClassLimit {
		t.Fatalf("query over the limit = %v, want ClassLimit", err)
	}
	if _, err := c.Describe(context.Background(), "Account"); Classify(err) != ClassLimit {
		t.Fatalf("describe over the limit = %v, want ClassLimit", err)
	}
	if used, max := c.Usage(); max != 50 || used < 50 {
		t.Fatalf("Usage() = %d/%d, want >=50/50", used, max)
	}
}

// TestDescribe reads the Account describe result.
func TestDescribe(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{})
	c := mustClient(t, srv, nil)
	d, err := c.Describe(context.Background(), "Account")
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "Account" {
		t.Errorf("name = %q", d.Name)
	}
	fields := map[string]FieldDescribe{}
	for _, f := range d.Fields {
		fields[f.Name] = f
	}
	tags, ok := fields["Lifecycle_Tags__c"]
	if !ok || tags.Type != "textarea" || tags.Length != 32768 || !tags.Updateable || !tags.Custom {
		t.Errorf("Lifecycle_Tags__c = %+v", tags)
	}
	status := fields["Account_Lifecycle_Status__c"]
	if status.Type != "picklist" || !status.RestrictedPicklist || len(status.PicklistValues) == 0 ||
		!status.PicklistValues[0].Active || status.PicklistValues[0].Value == "" {
		t.Errorf("Account_Lifecycle_Status__c = %+v", status)
	}
	if f := fields["SystemModstamp"]; f.Type != "datetime" || f.Updateable {
		t.Errorf("SystemModstamp = %+v", f)
	}

	_, err = c.Describe(context.Background(), "Nope__c")
	var ap *APIError
	if !errors.As(err, &ap) || ap.Status != 404 || Classify(err) != ClassPermanent {
		t.Fatalf("describe of an unknown object = %v, want a permanent 404", err)
	}
	if _, err := c.Describe(context.Background(), "Account/../../x"); err == nil {
		t.Fatal("describe accepted a path as an object name")
	}
}
