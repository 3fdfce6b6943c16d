package salesforce

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors.
var (
	// ErrNotOpen is returned by calls made before Open succeeded.
	ErrNotOpen = errors.New("salesforce: client not open")
	// ErrClosed is returned by calls made after Close.
	ErrClosed = errors.New("salesforce: client closed")
	// ErrConfig wraps every invalid-option error from Open.
	ErrConfig = errors.New("salesforce: invalid options")
	// ErrBatchTooLarge is returned by Update for more than MaxBatchSize records.
	ErrBatchTooLarge = errors.New("salesforce: batch larger than 200 records")
	// ErrMalformedResponse means a 2xx response whose body could not be read
	// as the JSON the endpoint documents (truncated, HTML, wrong shape).
	ErrMalformedResponse = errors.New("malformed response")
)

// Class tells the caller what to do about a failure.
type Class int

// Failure classes, from the most to the least hopeful.
const (
	// ClassNone is the class of a nil error.
	ClassNone Class = iota
	// ClassTransient: 5xx, 503 SERVER_UNAVAILABLE, resets and timeouts of
	// reads, requests that never reached Salesforce. Retry with backoff.
	ClassTransient
	// ClassRetryLater: a per-record UNABLE_TO_LOCK_ROW, or a trigger failure
	// (CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY) whose message carries
	// UNABLE_TO_LOCK_ROW: a row was locked by someone else. Retry the record
	// in a later cycle.
	ClassRetryLater
	// ClassLimit: REQUEST_LIMIT_EXCEEDED. Stop spending API calls until the
	// next cycle.
	ClassLimit
	// ClassPermanent: a validation error or a malformed request; retrying
	// the same values cannot succeed.
	ClassPermanent
	// ClassAuth: a token request failed, or Salesforce still answered 401
	// after one fresh token.
	ClassAuth
	// ClassAmbiguous: a write whose response was lost after the request was
	// sent; it may or may not have been applied. Never retry it blindly:
	// re-pull the records first.
	ClassAmbiguous
	// ClassFieldAccess: INVALID_FIELD_FOR_INSERT_UPDATE or
	// INSUFFICIENT_ACCESS_OR_READONLY, for a record or a whole request. The
	// integration user may not write the field (field-level security) or
	// the record (sharing). The value is not at fault: the same write
	// succeeds once an admin grants the access, so do not reject the value;
	// re-describe and report the missing permission.
	ClassFieldAccess
	// ClassQueryTimeout: a REST query failed with QUERY_TIMEOUT, Salesforce's
	// answer to a non-selective query over a large object that ran past
	// its two minutes. The same query fails again, so the REST retry loop
	// does not retry it, but nothing is wrong with the data: the caller
	// falls back to a Bulk API 2.0 query job or to narrower windows.
	ClassQueryTimeout
)

var classNames = [...]string{"none", "transient", "retry_later", "limit", "permanent", "auth", "ambiguous", "field_access",
	"query_timeout"}

// String returns a stable lower-case name, suitable as a metric label.
func (c Class) String() string {
	if c < 0 || int(c) >= len(classNames) {
		return fmt.Sprintf("class(%d)", int(c))
	}
	return classNames[c]
}

// APIError is an error Salesforce reported: a whole-request failure (Status
// is the HTTP status) or a per-record SaveResult error (Status 0).
// Salesforce reports errors as a JSON array of {message, errorCode, fields}:
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
type APIError struct {
	Status  int
	Code    string
	Message string
	Fields  []string

	// notIsolated marks an org-automation failure reported for a record
	// that shared its request with others when the split budget ran out:
	// the record may be innocent, so it is retried later, not rejected.
	notIsolated bool
	// lockInMessage marks a CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY whose full
	// message carried UNABLE_TO_LOCK_ROW, even where Message was cut short.
	lockInMessage bool
}

// Error returns "salesforce: http 503 SERVER_UNAVAILABLE: message".
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("salesforce: ")
	if e.Status != 0 {
		fmt.Fprintf(&b, "http %d", e.Status)
	}
	if e.Code != "" {
		if e.Status != 0 {
			b.WriteByte(' ')
		}
		b.WriteString(e.Code)
	}
	if e.Status == 0 && e.Code == "" {
		b.WriteString("error")
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if len(e.Fields) > 0 {
		fmt.Fprintf(&b, " (fields %s)", strings.Join(e.Fields, ", "))
	}
	return b.String()
}

// Temporary reports whether retrying the same request later can succeed.
func (e *APIError) Temporary() bool {
	switch Classify(e) {
	case ClassTransient, ClassRetryLater, ClassLimit:
		return true
	}
	return false
}

// TransportError is a call that got no complete, well-formed response:
// the connection failed, timed out or was reset, or a 2xx body was cut short
// or malformed. Sent reports whether the request may have reached
// Salesforce. Alone it is ClassTransient; a write whose request was sent is
// reported as an *AmbiguousError instead.
type TransportError struct {
	Op   string // "query", "describe", "picklists", "update", "token"
	Sent bool   // the request was written to the connection
	Err  error
}

// Error returns "no usable response: unexpected EOF" or "request not sent:
// ..."; callers add what the request was.
func (e *TransportError) Error() string {
	if !e.Sent {
		return fmt.Sprintf("request not sent: %v", e.Err)
	}
	return fmt.Sprintf("no usable response: %v", e.Err)
}

// Unwrap returns the underlying error.
func (e *TransportError) Unwrap() error { return e.Err }

// AmbiguousError is a write that may or may not have been applied: the
// request was sent and the response was lost, cut short or malformed, or
// Salesforce answered with a 5xx other than 503 (the REST API documents 500
// only as "the request couldn't be completed", not as "nothing was
// changed":
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm).
// It is ClassAmbiguous: re-read the records before deciding to write again.
type AmbiguousError struct {
	Op  string
	Err error
}

// Error returns "outcome unknown (re-read before writing again): ...".
func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("outcome unknown (re-read before writing again): %v", e.Err)
}

// Unwrap returns the underlying error.
func (e *AmbiguousError) Unwrap() error { return e.Err }

// AuthError is a failed token request, or a 401 that persisted after one
// fresh token. It carries only the OAuth error code and description (or the
// Salesforce error code), never a request or response body, so it cannot
// contain a secret.
type AuthError struct {
	Flow        string
	Status      int    // HTTP status of the token response; 0 if none
	Code        string // OAuth "error" (e.g. invalid_grant) or Salesforce errorCode
	Description string // OAuth "error_description" or Salesforce message
	Err         error  // transport failure or the persisting *APIError; never a body
	// Hint says what to change when the answer tells it (client
	// credentials on a generic login host, a refused JWT audience); "" if
	// nothing is known. It quotes the login URL or audience, no secret.
	Hint string
}

// Error returns "salesforce auth (jwt_bearer): invalid_grant: user hasn't
// approved this consumer", followed by "; " and the Hint when there is one.
func (e *AuthError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "salesforce auth (%s)", e.Flow)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": http %d", e.Status)
	}
	if e.Code != "" {
		b.WriteString(": ")
		b.WriteString(e.Code)
	}
	if e.Description != "" {
		b.WriteString(": ")
		b.WriteString(e.Description)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Unwrap returns the underlying transport error, if any.
func (e *AuthError) Unwrap() error { return e.Err }

// Error codes the connector treats specially. They are values of the API's
// StatusCode enumeration, which REST responses carry as errorCode (request
// errors) or statusCode (per-record SaveResult errors); 401
// INVALID_SESSION_ID and 403 REQUEST_LIMIT_EXCEEDED are described in
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
const (
	codeInvalidSession    = "INVALID_SESSION_ID"
	codeLimitExceeded     = "REQUEST_LIMIT_EXCEEDED"
	codeLockRow           = "UNABLE_TO_LOCK_ROW"
	codeServerUnavailable = "SERVER_UNAVAILABLE"
	codeTriggerFailure    = "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY"
	// codeBudgetSpent is lifecycled's own code for a call not sent
	// because Options.MaxAPIShare of the daily limit is used.
	codeBudgetSpent = "API_BUDGET_SPENT"
	// codeFieldNotWritable: "Unable to create/update fields: ... Please
	// check the security settings of this field and verify that it is
	// read/write for your profile or permission set."
	codeFieldNotWritable = "INVALID_FIELD_FOR_INSERT_UPDATE"
	// codeReadOnlyAccess: the user has no edit access to the record.
	codeReadOnlyAccess = "INSUFFICIENT_ACCESS_OR_READONLY"
	// codeQueryTimeout: "Your query request was running for too long."
	codeQueryTimeout = "QUERY_TIMEOUT"
)

// Classify returns the class of err; nil is ClassNone.
//
//   - *AmbiguousError: ClassAmbiguous.
//   - *AuthError (a token request failed, or a 401 persisted after one
//     fresh token): ClassAuth.
//   - *APIError, by code then status: INVALID_SESSION_ID or 401 auth;
//     REQUEST_LIMIT_EXCEEDED, or a 403 without another code, limit ("If the
//     error code is REQUEST_LIMIT_EXCEEDED, you've exceeded API request
//     limits in your org", errorcodes.htm); UNABLE_TO_LOCK_ROW, and
//     CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY whose message carries
//     UNABLE_TO_LOCK_ROW (a trigger's own DML hit a locked row), retry
//     later; INVALID_FIELD_FOR_INSERT_UPDATE and
//     INSUFFICIENT_ACCESS_OR_READONLY field access; SERVER_UNAVAILABLE and
//     5xx transient; an org-automation failure that could not be isolated
//     to its record retry later; everything else
//     (INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST, STRING_TOO_LONG,
//     FIELD_INTEGRITY_EXCEPTION, ENTITY_IS_DELETED, INVALID_FIELD,
//     MALFORMED_QUERY, MALFORMED_ID, a 403 permission error, ...) permanent.
//   - *TransportError and context cancellation: ClassTransient.
//   - anything else (invalid arguments, a caller's own error): ClassPermanent.
func Classify(err error) Class {
	if err == nil {
		return ClassNone
	}
	var am *AmbiguousError
	if errors.As(err, &am) {
		return ClassAmbiguous
	}
	var ae *AuthError
	if errors.As(err, &ae) {
		return ClassAuth
	}
	var ap *APIError
	if errors.As(err, &ap) {
		return classifyAPI(ap)
	}
	var te *TransportError
	if errors.As(err, &te) {
		return ClassTransient
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ClassTransient
	}
	return ClassPermanent
}

func classifyAPI(e *APIError) Class {
	switch e.Code {
	case codeInvalidSession:
		return ClassAuth
	case codeLimitExceeded, codeBudgetSpent:
		return ClassLimit
	case codeLockRow:
		return ClassRetryLater
	case codeServerUnavailable:
		return ClassTransient
	case codeFieldNotWritable, codeReadOnlyAccess:
		return ClassFieldAccess
	case codeQueryTimeout:
		return ClassQueryTimeout
	}
	switch {
	case rowLocked(e):
		return ClassRetryLater
	case e.notIsolated:
		return ClassRetryLater
	case e.Status == 401:
		return ClassAuth
	case e.Status == 403 && e.Code == "":
		return ClassLimit
	case e.Status >= 500:
		return ClassTransient
	}
	return ClassPermanent
}

// isInvalidSession reports whether err is the 401 that asks for a new token.
func isInvalidSession(err error) bool {
	var ap *APIError
	if !errors.As(err, &ap) {
		return false
	}
	return ap.Status == 401 || (ap.Status != 0 && ap.Code == codeInvalidSession)
}

// ambiguousWrite reports whether a failed write may have been applied: the
// request was sent and no readable answer came back, or Salesforce answered
// with a 5xx other than 503. A 4xx (including 401, checked before anything
// else) and 503 ("The server is unavailable to handle the request",
// errorcodes.htm) mean the request was not processed.
func ambiguousWrite(err error) bool {
	var ap *APIError
	if errors.As(err, &ap) && ap.Status != 0 {
		return ap.Status >= 500 && !unavailable(ap)
	}
	var te *TransportError
	if errors.As(err, &te) {
		return te.Sent
	}
	return false
}

// retryableWrite reports whether a failed write may be sent again at once
// (with backoff): it never left this process, or Salesforce said 503.
func retryableWrite(err error) bool {
	var ap *APIError
	if errors.As(err, &ap) && ap.Status != 0 {
		return unavailable(ap)
	}
	var te *TransportError
	return errors.As(err, &te) && !te.Sent
}

func unavailable(e *APIError) bool {
	return e.Status == 503 || e.Code == codeServerUnavailable
}

// rowLocked reports whether e is an org-automation failure caused by a
// locked row: CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY whose message carries
// UNABLE_TO_LOCK_ROW, as when a trigger's own DML waits too long for a row
// another transaction holds ("execution of AfterUpdate caused by:
// System.DmlException: Update failed. First exception on row 0 ...; first
// error: UNABLE_TO_LOCK_ROW, unable to obtain exclusive access to this
// record", as users report it, e.g.
// https://github.com/SFDO-Community/declarative-lookup-rollup-summaries/issues/1241).
// The records' values are not at fault and the lock is gone a little later;
// the Apex documentation on locking says such waits time out after 10
// seconds
// (https://developer.salesforce.com/docs/atlas.en-us.apexcode.meta/apexcode/langCon_apex_locking_statements.htm).
func rowLocked(e *APIError) bool {
	return e.Code == codeTriggerFailure && (e.lockInMessage || strings.Contains(e.Message, codeLockRow))
}
