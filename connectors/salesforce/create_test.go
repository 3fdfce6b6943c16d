package salesforce

import (
	"context"
	"errors"
	"testing"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
)

func TestCreateTasks(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 2})
	c := mustClient(t, srv, nil)
	ctx := context.Background()
	acct := srv.Records("Account")[0]["Id"].(string)
	srv.DeactivateUser("005Dn0000000077IAA")
	res, err := c.Create(ctx, "Task", []map[string]any{
		{"Subject": "one", "WhatId": acct, "Lifecycled_Play_Key__c": "a"},
		{"Subject": "two", "WhatId": acct, "OwnerId": "005Dn0000000077IAA"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || len(res[0].ID) != 18 {
		t.Fatalf("first = %+v", res[0])
	}
	var ae *APIError
	if !errors.As(res[1].Err, &ae) || ae.Code != "INACTIVE_OWNER_OR_USER" || Classify(res[1].Err) != ClassPermanent {
		t.Fatalf("second = %+v", res[1])
	}
	if got := len(srv.Records("Task")); got != 1 {
		t.Fatalf("tasks = %d, want 1", got)
	}

	t.Run("ResetIsAmbiguousAndNotResent", func(t *testing.T) {
		srv.SetFaults(sftest.Faults{ResetCreate: 1})
		defer srv.SetFaults(sftest.Faults{})
		_, err := c.Create(ctx, "Task", []map[string]any{{"Subject": "reset", "Lifecycled_Play_Key__c": "b"}})
		var amb *AmbiguousError
		if !errors.As(err, &amb) {
			t.Fatalf("err = %v, want *AmbiguousError", err)
		}
		if got := len(srv.Records("Task")); got != 2 {
			t.Fatalf("tasks = %d, want 2 (created once, never resent)", got)
		}
	})
}
