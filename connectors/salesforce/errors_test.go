package salesforce

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Class
	}{
		{"Nil", nil, ClassNone},
		{"ServerUnavailable", &APIError{Status: 503, Code: "SERVER_UNAVAILABLE"}, ClassTransient},
		{"HTML500", parseErrorBody(500, []byte("<html><title>Error</title></html>")), ClassTransient},
		{"Gateway", &APIError{Status: 502}, ClassTransient},
		{"LockRow", &APIError{Code: "UNABLE_TO_LOCK_ROW", Message: "unable to obtain exclusive access"}, ClassRetryLater},
		{"LimitExceeded", &APIError{Status: 403, Code: "REQUEST_LIMIT_EXCEEDED"}, ClassLimit},
		{"Bare403", &APIError{Status: 403}, ClassLimit},
		{"Forbidden", &APIError{Status: 403, Code: "INSUFFICIENT_ACCESS"}, ClassPermanent},
		{"RestrictedPicklist", &APIError{Code: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"}, ClassPermanent},
		{"TooLong", &APIError{Code: "STRING_TOO_LONG"}, ClassPermanent},
		{"FieldIntegrity", &APIError{Code: "FIELD_INTEGRITY_EXCEPTION"}, ClassPermanent},
		{"Deleted", &APIError{Code: "ENTITY_IS_DELETED"}, ClassPermanent},
		{"InvalidField", &APIError{Status: 400, Code: "INVALID_FIELD"}, ClassPermanent},
		{"MalformedQuery", &APIError{Status: 400, Code: "MALFORMED_QUERY"}, ClassPermanent},
		{"TriggerIsolated", &APIError{Code: codeTriggerFailure}, ClassPermanent},
		{"TriggerNotIsolated", &APIError{Code: codeTriggerFailure, notIsolated: true}, ClassRetryLater},
		{"TriggerLockedRow", &APIError{Code: codeTriggerFailure, Message: "AccountTrigger: execution of AfterUpdate caused by: System.DmlException: Update failed. First exception on row 0; first error: UNABLE_TO_LOCK_ROW, unable to obtain exclusive access to this record: []"}, ClassRetryLater},
		{"TriggerLockedRowCutMessage", &APIError{Code: codeTriggerFailure, Message: "AccountTrigger: execution of...", lockInMessage: true}, ClassRetryLater},
		{"TriggerLockedRowRequest", parseErrorBody(400, []byte(`[{"errorCode":"CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY","message":"T: first error: UNABLE_TO_LOCK_ROW, unable to obtain exclusive access"}]`)), ClassRetryLater},
		{"TriggerLockedRowTruncatedBody", parseErrorBody(400, []byte(`[{"errorCode":"CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY","message":"T: first error: UNABLE_TO_LOCK_ROW, unab`)), ClassRetryLater},
		{"LockWordOnOtherCode", &APIError{Code: "FIELD_CUSTOM_VALIDATION_EXCEPTION", Message: "UNABLE_TO_LOCK_ROW is not the cause"}, ClassPermanent},
		{"FieldNotWritable", &APIError{Code: "INVALID_FIELD_FOR_INSERT_UPDATE", Message: "Unable to create/update fields: Lifecycle_Tags__c.", Fields: []string{"Lifecycle_Tags__c"}}, ClassFieldAccess},
		{"ReadOnlyRecord", &APIError{Code: "INSUFFICIENT_ACCESS_OR_READONLY", Message: "insufficient access rights on object id"}, ClassFieldAccess},
		{"FieldNotWritableRequest", &APIError{Status: 400, Code: "INVALID_FIELD_FOR_INSERT_UPDATE"}, ClassFieldAccess},
		{"ReadOnlyRequest", &APIError{Status: 403, Code: "INSUFFICIENT_ACCESS_OR_READONLY"}, ClassFieldAccess},
		{"DuplicatesDetected", &APIError{Code: "DUPLICATES_DETECTED", Message: "Use one of these records?"}, ClassPermanent},
		{"InvalidSession", &APIError{Status: 401, Code: "INVALID_SESSION_ID"}, ClassAuth},
		{"Auth", &AuthError{Flow: "password", Status: 400, Code: "invalid_grant"}, ClassAuth},
		{"AuthTransport", &AuthError{Flow: "password", Err: &TransportError{Op: "token", Err: io.EOF}}, ClassAuth},
		{"ReadReset", &TransportError{Op: "query", Sent: true, Err: io.ErrUnexpectedEOF}, ClassTransient},
		{"Ambiguous", &AmbiguousError{Op: "update", Err: &TransportError{Op: "update", Sent: true, Err: io.ErrUnexpectedEOF}}, ClassAmbiguous},
		{"AmbiguousWrapped", fmt.Errorf("update Account: %w", &AmbiguousError{Op: "update", Err: &APIError{Status: 500}}), ClassAmbiguous},
		{"Wrapped", fmt.Errorf("query page 3: %w", &APIError{Status: 503}), ClassTransient},
		{"Canceled", context.Canceled, ClassTransient},
		{"Deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), ClassTransient},
		{"BatchTooLarge", ErrBatchTooLarge, ClassPermanent},
		{"Other", errors.New("callback failed"), ClassPermanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.err); got != tt.want {
				t.Fatalf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// TestClassNames: the names are stable metric labels; the newest class is
// last.
func TestClassNames(t *testing.T) {
	want := map[Class]string{ClassNone: "none", ClassTransient: "transient", ClassRetryLater: "retry_later",
		ClassLimit: "limit", ClassPermanent: "permanent", ClassAuth: "auth", ClassAmbiguous: "ambiguous",
		ClassFieldAccess: "field_access", ClassQueryTimeout: "query_timeout", ClassQueryTimeout + 1: "class(9)"}
	for c, name := range want {
		if got := c.String(); got != name {
			t.Errorf("Class(%d).String() = %q, want %q", int(c), got, name)
		}
	}
	if ClassFieldAccess != ClassAmbiguous+1 {
		t.Errorf("ClassFieldAccess = %d, want right after ClassAmbiguous", ClassFieldAccess)
	}
	if ClassQueryTimeout != ClassFieldAccess+1 {
		t.Errorf("ClassQueryTimeout = %d, want right after ClassFieldAccess", ClassQueryTimeout)
	}
}

func TestWriteAmbiguity(t *testing.T) {
	tests := []struct {
		name             string
		err              error
		ambiguous, retry bool
	}{
		{"NotSent", &TransportError{Op: "update", Sent: false, Err: io.EOF}, false, true},
		{"ResetAfterSend", &TransportError{Op: "update", Sent: true, Err: io.ErrUnexpectedEOF}, true, false},
		{"ServerUnavailable", &APIError{Status: 503, Code: "SERVER_UNAVAILABLE"}, false, true},
		{"Bare503", &APIError{Status: 503}, false, true},
		{"InternalError", &APIError{Status: 500, Code: "UNKNOWN_EXCEPTION"}, true, false},
		{"HTML500", parseErrorBody(500, []byte("<html></html>")), true, false},
		{"GatewayTimeout", &APIError{Status: 504}, true, false},
		{"BadRequest", &APIError{Status: 400, Code: "JSON_PARSER_ERROR"}, false, false},
		{"Limit", &APIError{Status: 403, Code: "REQUEST_LIMIT_EXCEEDED"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ambiguousWrite(tt.err); got != tt.ambiguous {
				t.Errorf("ambiguousWrite = %v, want %v", got, tt.ambiguous)
			}
			if got := retryableWrite(tt.err); got != tt.retry {
				t.Errorf("retryableWrite = %v, want %v", got, tt.retry)
			}
		})
	}
}

func TestAPIErrorString(t *testing.T) {
	tests := []struct {
		err  *APIError
		want string
	}{
		{&APIError{Status: 503, Code: "SERVER_UNAVAILABLE", Message: "down"}, "salesforce: http 503 SERVER_UNAVAILABLE: down"},
		{&APIError{Code: "STRING_TOO_LONG", Message: "too long", Fields: []string{"Tags__c"}}, "salesforce: STRING_TOO_LONG: too long (fields Tags__c)"},
		{&APIError{}, "salesforce: error"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// TestRedactKeepsConfiguredAndNewestSecrets checks the bound on remembered
// secrets: the configured ones and the newest tokens are always redacted.
func TestRedactKeepsConfiguredAndNewestSecrets(t *testing.T) {
	c := New(Options{ClientSecret: "configured-secret", Password: "configured-password"})
	for i := range 200 {
		c.addSecrets(fmt.Sprintf("access-token-%03d", i))
	}
	if len(c.secrets) > maxSecrets {
		t.Fatalf("%d secrets remembered, want at most %d", len(c.secrets), maxSecrets)
	}
	got := c.redact("configured-secret configured-password access-token-199 access-token-150")
	if got != "[redacted] [redacted] [redacted] [redacted]" {
		t.Fatalf("redact = %q", got)
	}
}
