package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

// collectionRequest is what a fake org saw of one collections request.
type collectionRequest struct {
	header http.Header
	ids    []string
}

// collectionsFake answers every collections request with one save result
// per record, built by result from the record's id, and records what it
// saw.
type collectionsFake struct {
	mu   sync.Mutex
	seen []collectionRequest
}

func (cf *collectionsFake) handler(t *testing.T, result func(id string) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Records []struct {
				ID string `json:"id"`
			} `json:"records"`
		}
		raw, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Errorf("request body: %v", err)
		}
		req := collectionRequest{header: r.Header.Clone()}
		parts := make([]string, len(body.Records))
		for i, rec := range body.Records {
			req.ids = append(req.ids, rec.ID)
			parts[i] = result(rec.ID)
		}
		cf.mu.Lock()
		cf.seen = append(cf.seen, req)
		cf.mu.Unlock()
		reply(w, 200, "application/json", "["+strings.Join(parts, ",")+"]")
	}
}

func (cf *collectionsFake) requests() []collectionRequest {
	cf.mu.Lock()
	defer cf.mu.Unlock()
	return slices.Clone(cf.seen)
}

// saveError is a failed save result for id.
func saveError(id, code, message string, fields ...string) string {
	b, _ := json.Marshal(map[string]any{"id": id, "success": false, "errors": []map[string]any{
		{"statusCode": code, "message": message, "fields": append([]string{}, fields...)}}})
	return string(b)
}

func saveOK(id string) string { return fmt.Sprintf(`{"id":%q,"success":true,"errors":[]}`, id) }

// fakeIDs returns n Account IDs.
func fakeIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("001000000000%03dAAA", i)
	}
	return ids
}

// TestDuplicateRuleHeader: every write request carries
// Sforce-Duplicate-Rule-Header: allowSave=true unless
// EnforceDuplicateRules is set; DUPLICATES_DETECTED is permanent either way.
func TestDuplicateRuleHeader(t *testing.T) {
	for _, enforce := range []bool{false, true} {
		t.Run(fmt.Sprintf("Enforce%v", enforce), func(t *testing.T) {
			cf := &collectionsFake{}
			ids := fakeIDs(3)
			f := newFakeOrg(t, cf.handler(t, func(id string) string {
				if id == ids[1] {
					return saveError(id, "DUPLICATES_DETECTED", "Use one of these records?")
				}
				return saveOK(id)
			}))
			c := f.open(t, func(o *Options) { o.EnforceDuplicateRules = enforce })
			res, err := c.Update(context.Background(), "Account", updates(ids, "dup-"))
			if err != nil {
				t.Fatal(err)
			}
			var ap *APIError
			if !errors.As(res[1].Err, &ap) || ap.Code != "DUPLICATES_DETECTED" || Classify(res[1].Err) != ClassPermanent {
				t.Errorf("duplicate record: %v, want a permanent DUPLICATES_DETECTED", res[1].Err)
			}
			if res[0].Err != nil || res[2].Err != nil {
				t.Errorf("other records: %v, %v", res[0].Err, res[2].Err)
			}
			reqs := cf.requests()
			if len(reqs) != 1 {
				t.Fatalf("requests = %d, want 1", len(reqs))
			}
			got := reqs[0].header.Values("Sforce-Duplicate-Rule-Header")
			switch {
			case enforce && len(got) != 0:
				t.Errorf("header %q sent with EnforceDuplicateRules", got)
			case !enforce && !slices.Equal(got, []string{"allowSave=true"}):
				t.Errorf("Sforce-Duplicate-Rule-Header = %q, want [allowSave=true]", got)
			}
		})
	}
}

// lockedTriggerMessage is a trigger failure caused by a locked row as users
// report it, with a long trigger name so that UNABLE_TO_LOCK_ROW comes past
// the part of the message the connector keeps.
var lockedTriggerMessage = "Account_Lifecycle_Rollup_And_Territory_Assignment_Trigger: execution of AfterUpdate\n\n" +
	"caused by: System.DmlException: Update failed. First exception on row 0 with id a0N5g00000OPSAVUA5; " +
	strings.Repeat("nested context; ", 10) +
	"first error: UNABLE_TO_LOCK_ROW, unable to obtain exclusive access to this record: []\n\n" +
	"Trigger.Account_Lifecycle_Rollup_And_Territory_Assignment_Trigger: line 7, column 1"

// TestTriggerLockIsRetryLaterAndNotSplit fails every record with
// CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY caused by a locked row, per record
// and for the whole request: one request, every record ClassRetryLater.
func TestTriggerLockIsRetryLaterAndNotSplit(t *testing.T) {
	if len(snippet(lockedTriggerMessage)) == len(lockedTriggerMessage) || strings.Contains(snippet(lockedTriggerMessage), codeLockRow) {
		t.Fatal("the message is not cut before UNABLE_TO_LOCK_ROW; the test proves less than it says")
	}
	ids := fakeIDs(8)
	t.Run("PerRecord", func(t *testing.T) {
		cf := &collectionsFake{}
		f := newFakeOrg(t, cf.handler(t, func(id string) string {
			return saveError(id, codeTriggerFailure, lockedTriggerMessage)
		}))
		c := f.open(t, nil)
		res, err := c.Update(context.Background(), "Account", updates(ids, "lock-"))
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			var ap *APIError
			if !errors.As(r.Err, &ap) || ap.Code != codeTriggerFailure || Classify(r.Err) != ClassRetryLater {
				t.Errorf("record %d: %v (class %v), want a retry-later %s", i, r.Err, Classify(r.Err), codeTriggerFailure)
			}
		}
		if n := len(cf.requests()); n != 1 {
			t.Errorf("requests = %d, want 1 (a lock failure is not split)", n)
		}
	})
	t.Run("WholeRequest", func(t *testing.T) {
		body, _ := json.Marshal([]map[string]string{{"errorCode": codeTriggerFailure, "message": lockedTriggerMessage}})
		f := newFakeOrg(t, func(w http.ResponseWriter, r *http.Request) {
			reply(w, 400, "application/json", string(body))
		})
		c := f.open(t, nil)
		res, err := c.Update(context.Background(), "Account", updates(ids, "lock-"))
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if Classify(r.Err) != ClassRetryLater {
				t.Errorf("record %d: %v (class %v), want retry later", i, r.Err, Classify(r.Err))
			}
		}
		if n := f.data.Load(); n != 1 {
			t.Errorf("requests = %d, want 1", n)
		}
	})
	t.Run("OtherTriggerFailureStillSplits", func(t *testing.T) {
		cf := &collectionsFake{}
		f := newFakeOrg(t, cf.handler(t, func(id string) string {
			return saveError(id, codeTriggerFailure, "AccountTrigger: execution of BeforeUpdate caused by: System.NullPointerException")
		}))
		c := f.open(t, nil)
		if _, err := c.Update(context.Background(), "Account", updates(ids, "npe-")); err != nil {
			t.Fatal(err)
		}
		if n := len(cf.requests()); n < 3 {
			t.Errorf("requests = %d, want a split", n)
		}
	})
}

// TestFieldAccessClass: INVALID_FIELD_FOR_INSERT_UPDATE and
// INSUFFICIENT_ACCESS_OR_READONLY are ClassFieldAccess, per record and for
// a whole request, and are not retried.
func TestFieldAccessClass(t *testing.T) {
	ids := fakeIDs(3)
	t.Run("PerRecord", func(t *testing.T) {
		cf := &collectionsFake{}
		f := newFakeOrg(t, cf.handler(t, func(id string) string {
			switch id {
			case ids[0]:
				return saveError(id, codeFieldNotWritable, "Unable to create/update fields: Lifecycle_Tags__c. Please check the security settings of this field and verify that it is read/write for your profile or permission set.", "Lifecycle_Tags__c")
			case ids[1]:
				return saveError(id, codeReadOnlyAccess, "insufficient access rights on object id")
			}
			return saveOK(id)
		}))
		c := f.open(t, nil)
		res, err := c.Update(context.Background(), "Account", updates(ids, "fls-"))
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []Class{ClassFieldAccess, ClassFieldAccess, ClassNone} {
			if got := Classify(res[i].Err); got != want {
				t.Errorf("record %d: %v (class %v), want %v", i, res[i].Err, got, want)
			}
		}
		var ap *APIError
		if errors.As(res[0].Err, &ap) && !slices.Equal(ap.Fields, []string{"Lifecycle_Tags__c"}) {
			t.Errorf("fields = %v, want [Lifecycle_Tags__c]", ap.Fields)
		}
		if n := len(cf.requests()); n != 1 {
			t.Errorf("requests = %d, want 1", n)
		}
	})
	t.Run("WholeRequest", func(t *testing.T) {
		f := newFakeOrg(t, func(w http.ResponseWriter, r *http.Request) {
			reply(w, 400, "application/json", `[{"errorCode":"INVALID_FIELD_FOR_INSERT_UPDATE","message":"Unable to create/update fields: Name.","fields":["Name"]}]`)
		})
		c := f.open(t, nil)
		res, err := c.Update(context.Background(), "Account", updates(ids, "fls-"))
		if res != nil || Classify(err) != ClassFieldAccess {
			t.Fatalf("update = %v, %v (class %v), want a ClassFieldAccess call error", res, err, Classify(err))
		}
		if n := f.data.Load(); n != 1 {
			t.Errorf("requests = %d, want 1 (not retried)", n)
		}
	})
}
