package salesforce

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
)

// This file drives the connector against the emulator's model of a real
// org: record types, a duplicate rule, field-level security and triggers
// that meet locked rows.

// TestEmulatorRecordTypes: Describe lists the org's record types, and
// RecordTypePicklists returns, for each, the values a write of a record of
// that type accepts.
func TestEmulatorRecordTypes(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 40, Seed: 21, PartnerShare: 0.5})
	c := mustClient(t, srv, nil)
	ctx := context.Background()
	d, err := c.Describe(ctx, "Account")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]RecordType{}
	for _, rt := range d.RecordTypes {
		byName[rt.DeveloperName] = rt
	}
	if m := byName["Master"]; m.ID != MasterRecordTypeID || !m.Master || m.Default {
		t.Errorf("Master = %+v, want master, not the default, id %s", m, MasterRecordTypeID)
	}
	if cu := byName["Customer"]; cu.ID != sftest.CustomerRecordTypeID || !cu.Default || !cu.Active || !cu.Available || cu.Master {
		t.Errorf("Customer = %+v, want the active, available default", cu)
	}
	if p := byName["Partner"]; p.ID != sftest.PartnerRecordTypeID || p.Default || !p.Active || !p.Available {
		t.Errorf("Partner = %+v, want active, available, not the default", p)
	}
	if len(d.RecordTypes) != 3 {
		t.Errorf("%d record types, want 3: %+v", len(d.RecordTypes), d.RecordTypes)
	}

	const status = "Account_Lifecycle_Status__c"
	var all []PicklistValue
	for _, f := range d.Fields {
		if f.Name == status {
			all = f.PicklistValues
		}
	}
	customer, err := c.RecordTypePicklists(ctx, "Account", sftest.CustomerRecordTypeID)
	if err != nil {
		t.Fatal(err)
	}
	if got := values(customer[status]); !slices.Equal(got, values(all)) {
		t.Errorf("Customer %s = %v, want every value %v", status, got, values(all))
	}
	if !slices.Contains(customer["Customer_Health__c"], PicklistValue{Value: "Good", Label: "Healthy", Active: true}) {
		t.Errorf("Customer_Health__c = %v, want Good labelled Healthy", customer["Customer_Health__c"])
	}
	// A 15-character ID names the same record type.
	partner, err := c.RecordTypePicklists(ctx, "Account", sftest.PartnerRecordTypeID[:15])
	if err != nil {
		t.Fatal(err)
	}
	if got, want := values(partner[status]), []string{"Core-Good", "Core-Average", "Core-Poor"}; !slices.Equal(got, want) {
		t.Fatalf("Partner %s = %v, want %v", status, got, want)
	}

	// The values RecordTypePicklists reports are exactly what a write to a
	// Partner account accepts.
	var partnerID string
	for _, r := range srv.Records("Account") {
		if r["RecordTypeId"] == sftest.PartnerRecordTypeID {
			partnerID = r["Id"].(string)
			break
		}
	}
	if partnerID == "" {
		t.Fatal("no Partner account generated")
	}
	allowed := values(partner[status])
	for _, v := range values(all) {
		res, err := c.Update(ctx, "Account", []Update{{ID: partnerID, Fields: map[string]any{status: v}}})
		if err != nil {
			t.Fatal(err)
		}
		var ap *APIError
		switch ok := slices.Contains(allowed, v); {
		case ok && res[0].Err != nil:
			t.Errorf("Partner %q: %v, want it written", v, res[0].Err)
		case !ok && (!errors.As(res[0].Err, &ap) || ap.Code != "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" || Classify(res[0].Err) != ClassPermanent):
			t.Errorf("Partner %q: %v, want a permanent INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", v, res[0].Err)
		}
	}
}

// TestEmulatorRecordTypePicklistsErrors: a record type the object does not
// have and an object the UI API does not serve are permanent API errors.
func TestEmulatorRecordTypePicklistsErrors(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 1, Seed: 22})
	c := mustClient(t, srv, nil)
	ctx := context.Background()
	var ap *APIError
	// A well-formed 15-character ID of no record type.
	_, err := c.RecordTypePicklists(ctx, "Account", "012Dn0000000009")
	if !errors.As(err, &ap) || ap.Status != 404 || Classify(err) != ClassPermanent {
		t.Errorf("unknown record type = %v, want a permanent 404", err)
	}
	_, err = c.RecordTypePicklists(ctx, "Nope__c", MasterRecordTypeID)
	if !errors.As(err, &ap) || ap.Status != 400 || Classify(err) != ClassPermanent {
		t.Errorf("unknown object = %v, want a permanent 400", err)
	}
}

func values(pv []PicklistValue) []string {
	out := make([]string, len(pv))
	for i, v := range pv {
		out[i] = v.Value
	}
	return out
}

// TestEmulatorDuplicateRule writes to an account whose Name another
// account has: saved by default (allowSave=true), DUPLICATES_DETECTED and
// not written with EnforceDuplicateRules, while the rest of the batch is.
func TestEmulatorDuplicateRule(t *testing.T) {
	for _, enforce := range []bool{false, true} {
		name := "Default"
		if enforce {
			name = "Enforced"
		}
		t.Run(name, func(t *testing.T) {
			srv := mustEmulator(t, sftest.Options{Accounts: 4, Seed: 23})
			c := mustClient(t, srv, func(o *Options) { o.EnforceDuplicateRules = enforce })
			ids := accountIDs(srv)
			first, _ := srv.Record("Account", ids[0])
			if err := srv.Update("Account", ids[1], map[string]any{"Name": first["Name"]}); err != nil {
				t.Fatal(err)
			}
			res, err := c.Update(context.Background(), "Account", updates(ids, "dup-"))
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range res {
				rec, _ := srv.Record("Account", ids[i])
				written := rec["Lifecycle_Tags__c"] == updates(ids, "dup-")[i].Fields["Lifecycle_Tags__c"]
				blocked := enforce && i <= 1 // both records share the Name
				var ap *APIError
				switch {
				case blocked && (!errors.As(r.Err, &ap) || ap.Code != "DUPLICATES_DETECTED" || Classify(r.Err) != ClassPermanent):
					t.Errorf("record %d: %v, want a permanent DUPLICATES_DETECTED", i, r.Err)
				case blocked && written:
					t.Errorf("record %d written despite the duplicate rule", i)
				case !blocked && (r.Err != nil || !written):
					t.Errorf("record %d: %v, written %v; want it written", i, r.Err, written)
				}
			}
		})
	}
}

// TestEmulatorTriggerLock: a request whose trigger meets a locked row fails
// every record; the connector does not split it, marks every record retry
// later, and the same write succeeds once the lock is gone.
func TestEmulatorTriggerLock(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 64, Seed: 24})
	c := mustClient(t, srv, nil)
	ids := accountIDs(srv)
	srv.SetFaults(sftest.Faults{Seed: 1, TriggerLock: 1})
	res, err := c.Update(context.Background(), "Account", updates(ids, "lock-"))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		var ap *APIError
		if !errors.As(r.Err, &ap) || ap.Code != codeTriggerFailure || Classify(r.Err) != ClassRetryLater {
			t.Fatalf("record %d: %v (class %v), want a retry-later %s", i, r.Err, Classify(r.Err), codeTriggerFailure)
		}
	}
	if got := requests(srv, "collections"); got != 1 {
		t.Errorf("collection requests = %d, want 1 (not split)", got)
	}
	if got := srv.Stats().RecordWrites; got != 0 {
		t.Errorf("records written = %d, want 0", got)
	}
	srv.SetFaults(sftest.Faults{})
	res, err = c.Update(context.Background(), "Account", updates(ids, "lock-"))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("retry of record %d: %v", i, r.Err)
		}
	}
}

// TestEmulatorFieldAccess takes the integration user's edit access to a
// field away: describe says it is not updateable, a write setting it fails
// ClassFieldAccess on each record naming the field, and nothing is written
// until the access is back.
func TestEmulatorFieldAccess(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 3, Seed: 25})
	c := mustClient(t, srv, nil)
	ctx := context.Background()
	ids := accountIDs(srv)
	srv.SetFieldEditable("Account", "Lifecycle_Tags__c", false)
	d, err := c.Describe(ctx, "Account")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range d.Fields {
		if f.Name == "Lifecycle_Tags__c" && f.Updateable {
			t.Error("describe: Lifecycle_Tags__c updateable while not editable")
		}
	}
	res, err := c.Update(ctx, "Account", updates(ids, "fls-"))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		var ap *APIError
		if !errors.As(r.Err, &ap) || ap.Code != codeFieldNotWritable || Classify(r.Err) != ClassFieldAccess || !slices.Contains(ap.Fields, "Lifecycle_Tags__c") {
			t.Errorf("record %d: %v (class %v), want ClassFieldAccess %s on Lifecycle_Tags__c", i, r.Err, Classify(r.Err), codeFieldNotWritable)
		}
	}
	if got := srv.Stats().RecordWrites; got != 0 {
		t.Errorf("records written = %d, want 0", got)
	}
	srv.SetFieldEditable("Account", "Lifecycle_Tags__c", true)
	res, err = c.Update(ctx, "Account", updates(ids, "fls-"))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Errorf("record %d after access restored: %v", i, r.Err)
		}
	}
}
