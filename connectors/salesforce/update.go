package salesforce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"net/http"
	"strings"
)

// Update is one record to update: its Id and the fields to set. A nil value
// clears the field. Keys "Id" and "attributes" in Fields are ignored.
type Update struct {
	ID     string
	Fields map[string]any
}

// Result is the outcome of one record of an Update call: Err is nil, an
// *APIError Salesforce reported for the record (Code, Message, Fields), or,
// after a split, the failure of the request that carried the record.
type Result struct {
	ID  string
	Err error
}

// Update writes batch (at most MaxBatchSize records) to object with one
// sObject Collections request, PATCH /services/data/vXX.X/composite/sobjects
// with allOrNone false, and returns one Result per record in input order
// ("The SaveResult objects are returned in the order in which the update
// requests were specified",
// https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-update.html).
//
// When every record of a request fails with an org-automation error (an
// Apex trigger's unhandled exception, a governor LimitException such as
// "Apex CPU time limit exceeded" or "Too many SOQL queries", reported per
// record as CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY; a LimitException rolls
// the whole transaction back), the records are sent again in two halves,
// recursively, until the failing records are isolated; the others are
// written. Splitting is bounded (4·log2(n) extra requests): records left
// unisolated get their error marked ClassRetryLater instead of permanent.
// A trigger failure whose message carries UNABLE_TO_LOCK_ROW (the
// trigger's own DML found a row locked) is not split: no record is at
// fault, halves would only spend calls on the same lock, and the records
// come back ClassRetryLater for a later cycle.
//
// Unless Options.EnforceDuplicateRules is set, every request carries
// Sforce-Duplicate-Rule-Header: allowSave=true, so duplicate rules whose
// action is Alert let the write through; a rule that blocks still fails
// the record with DUPLICATES_DETECTED (ClassPermanent).
//
// The error is for the whole call: a limit, auth or permanent request
// error, or an *AmbiguousError when the request was sent and its outcome is
// unknown (reset, timeout, cut or malformed response, a 5xx other than 503).
// An ambiguous write is never sent again; a 503 or a request that never left
// is retried with backoff. When a request fails after a split already wrote
// some records, the rest get that failure in their Result instead.
func (c *Client) Update(ctx context.Context, object string, batch []Update) ([]Result, error) {
	if len(batch) == 0 {
		return nil, nil
	}
	if len(batch) > MaxBatchSize {
		return nil, fmt.Errorf("update %s: %w (%d records)", object, ErrBatchTooLarge, len(batch))
	}
	if !validName(object) {
		return nil, fmt.Errorf("update: invalid object name %q", snippet(object))
	}
	if _, err := c.session(); err != nil {
		return nil, fmt.Errorf("update %s: %w", object, err)
	}
	w := &writer{c: c, ctx: ctx, object: object, records: make([]json.RawMessage, len(batch)),
		results: make([]Result, len(batch))}
	var pending []int
	for i, u := range batch {
		w.results[i].ID = u.ID
		raw, err := encodeRecord(object, u)
		if err != nil {
			w.results[i].Err = err
			continue
		}
		w.records[i] = raw
		pending = append(pending, i)
	}
	w.budget = 4 * bits.Len(uint(len(pending)))
	if err := w.write(pending); err != nil {
		return nil, fmt.Errorf("update %s: %w", object, err)
	}
	return w.results, nil
}

// encodeRecord returns the JSON of one collection record: attributes.type,
// id and the fields. A record that cannot be encoded gets a per-record
// error instead of failing the batch.
func encodeRecord(object string, u Update) (json.RawMessage, error) {
	if u.ID == "" {
		return nil, &APIError{Code: "MALFORMED_ID", Message: "empty record id"}
	}
	m := make(map[string]any, len(u.Fields)+2)
	for k, v := range u.Fields {
		if strings.EqualFold(k, "id") || strings.EqualFold(k, "attributes") {
			continue
		}
		m[k] = v
	}
	m["attributes"] = map[string]string{"type": object}
	m["id"] = u.ID
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, &APIError{Code: "JSON_PARSER_ERROR", Message: "cannot encode the record's fields: " + snippet(err.Error())}
	}
	return raw, nil
}

// writer is the state of one Update call.
type writer struct {
	c       *Client
	ctx     context.Context
	object  string
	records []json.RawMessage
	results []Result
	budget  int   // requests a split may still spend
	split   bool  // a split has written some records
	stopped error // a request failed after a split: send nothing more
}

// write sends the records idx in one request and fills their results,
// splitting on a whole-batch org-automation failure. It returns an error
// only for the first request of the call; later failures go into results.
func (w *writer) write(idx []int) error {
	if len(idx) == 0 {
		return nil
	}
	if w.stopped != nil {
		w.fail(idx, notSent(w.stopped))
		return nil
	}
	errs, err := w.send(idx)
	if err != nil {
		if !w.split {
			return err
		}
		w.stopped = err
		w.fail(idx, err)
		return nil
	}
	if len(idx) > 1 && wholeBatchAutomation(errs) {
		if w.budget >= 2 {
			w.budget -= 2
			w.split = true
			first := firstAutomation(errs)
			w.c.logger.Warn("the batch failed as a whole in org automation; splitting it",
				"batch_size", len(idx), "code", first.Code, "error", first.Message)
			mid := len(idx) / 2
			w.write(idx[:mid]) //nolint:errcheck // after a split, failures are in results
			w.write(idx[mid:]) //nolint:errcheck
			return nil
		}
		for _, e := range errs {
			if automation(e) {
				e.notIsolated = true
			}
		}
	}
	for k, i := range idx {
		if errs[k] != nil {
			w.results[i].Err = errs[k]
		}
	}
	return nil
}

func (w *writer) fail(idx []int, err error) {
	for _, i := range idx {
		w.results[i].Err = err
	}
}

// notSent is the Result error of a record not sent because an earlier
// request of a split failed: a limit or auth failure keeps its class, any
// other is a transient "not sent".
func notSent(cause error) error {
	switch Classify(cause) {
	case ClassLimit, ClassAuth:
		return cause
	}
	return &TransportError{Op: "update", Sent: false,
		Err: fmt.Errorf("an earlier part of the split batch failed: %v", cause)}
}

// send makes one collections request (with the retries a write allows) and
// returns the per-record errors, nil for a record written.
func (w *writer) send(idx []int) ([]*APIError, error) {
	var body bytes.Buffer
	body.WriteString(`{"allOrNone":false,"records":[`)
	for k, i := range idx {
		if k > 0 {
			body.WriteByte(',')
		}
		body.Write(w.records[i])
	}
	body.WriteString(`]}`)
	payload := body.Bytes()
	c := w.c
	errs, err := retry(c, w.ctx, "update", true, func(ctx context.Context, s session) ([]*APIError, error) {
		return w.patch(ctx, s, payload, idx)
	})
	if err != nil && ambiguousWrite(err) {
		err = &AmbiguousError{Op: "update", Err: err}
	}
	return errs, err
}

// duplicateRuleHeader configures duplicate rules for a write: "allowSave
// true—allow the user to acknowledge the alert and save the duplicate
// record. Applicable if an alert is enabled for the action." (REST API
// Developer Guide, "Duplicate Rule Header", API version 52.0 and later:
// https://developer.salesforce.com/docs/platform/api-rest/guide/headers-duplicaterules.html).
const duplicateRuleHeader = "Sforce-Duplicate-Rule-Header"

// saveResult is one element of the collections response.
type saveResult struct {
	ID      string `json:"id"`
	Success bool   `json:"success"`
	Errors  []struct {
		StatusCode string   `json:"statusCode"`
		ErrorCode  string   `json:"errorCode"`
		Message    string   `json:"message"`
		Fields     []string `json:"fields"`
	} `json:"errors"`
}

// patch is one attempt of one collections request.
func (w *writer) patch(ctx context.Context, s session, payload []byte, idx []int) ([]*APIError, error) {
	c := w.c
	hdr := http.Header{"Content-Type": {"application/json"}}
	if !c.opts.EnforceDuplicateRules {
		hdr.Set(duplicateRuleHeader, "allowSave=true")
	}
	e, cancel := c.newEdge(ctx, "update", s.token, hdr, false)
	defer cancel()
	req, err := http.NewRequest(http.MethodPatch, c.dataURL(s, "composite/sobjects"), bytes.NewReader(payload))
	if err != nil {
		return nil, &TransportError{Op: "update", Err: err}
	}
	resp, err := e.httpClient().Do(req)
	if eerr := e.result(); eerr != nil {
		var ap *APIError
		if errors.As(eerr, &ap) && ap.Status >= 400 && ap.Status < 500 && (automation(ap) || rowLocked(ap)) {
			// The request was refused as a whole by org automation:
			// nothing was written; report it on every record, so that it
			// splits (or, for a locked row, is retried later).
			errs := make([]*APIError, len(idx))
			for k := range errs {
				cp := *ap
				cp.Status = 0
				errs[k] = &cp
			}
			return errs, nil
		}
		return nil, eerr
	}
	if err != nil {
		return nil, &TransportError{Op: "update", Err: err}
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, &TransportError{Op: "update", Sent: true, Err: err}
	}
	var results []saveResult
	if err := json.Unmarshal(raw, &results); err != nil || len(results) != len(idx) {
		return nil, &TransportError{Op: "update", Sent: true, Err: fmt.Errorf(
			"%w: want a list of %d save results", ErrMalformedResponse, len(idx))}
	}
	errs := make([]*APIError, len(idx))
	for k, r := range results {
		i := idx[k]
		if r.ID != "" && !sameID(r.ID, w.results[i].ID) {
			return nil, &TransportError{Op: "update", Sent: true, Err: fmt.Errorf(
				"%w: save result %d is for another record", ErrMalformedResponse, k)}
		}
		if r.Success {
			continue
		}
		ae := &APIError{Code: "UNKNOWN_EXCEPTION", Message: "record not saved; Salesforce gave no reason"}
		if len(r.Errors) > 0 {
			first := r.Errors[0]
			ae.Code = first.StatusCode
			if ae.Code == "" {
				ae.Code = first.ErrorCode
			}
			ae.Code = snippet(ae.Code)
			ae.lockInMessage = ae.Code == codeTriggerFailure && strings.Contains(first.Message, codeLockRow)
			ae.Message = snippet(first.Message)
			if more := len(r.Errors) - 1; more > 0 {
				ae.Message = snippet(fmt.Sprintf("%s (and %d more)", ae.Message, more))
			}
			for _, f := range first.Fields {
				if len(ae.Fields) < 20 {
					ae.Fields = append(ae.Fields, snippet(f))
				}
			}
		}
		c.redactAPIError(ae)
		errs[k] = ae
	}
	return errs, nil
}

// sameID compares record IDs, 15- or 18-character, by their case-sensitive
// 15-character form.
func sameID(a, b string) bool {
	if len(a) >= 15 && len(b) >= 15 {
		return a[:15] == b[:15]
	}
	return a == b
}

// wholeBatchAutomation reports whether the request failed as a whole in
// org automation that splitting can isolate: no record was written and at
// least two records failed with an org-automation error other than a
// locked row (records that failed validation first keep their own error
// and are not run through the org's triggers). A batch whose every record
// failed on a locked row is not split.
func wholeBatchAutomation(errs []*APIError) bool {
	n := 0
	for _, e := range errs {
		if e == nil {
			return false
		}
		if automation(e) {
			n++
		}
	}
	return n >= 2
}

func firstAutomation(errs []*APIError) *APIError {
	for _, e := range errs {
		if e != nil && automation(e) {
			return e
		}
	}
	return &APIError{}
}

// automation reports whether e is a failure of the org's automation rather
// than of the record's values: an unhandled trigger exception
// (CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY) or a governor limit
// (System.LimitException: "Apex CPU time limit exceeded", "Too many SOQL
// queries: 101", ...), which rolls back the whole transaction
// (https://developer.salesforce.com/docs/atlas.en-us.apexcode.meta/apexcode/apex_gov_limits.htm).
// A trigger failure caused by a locked row (rowLocked) is not: it says
// nothing about which record is at fault, so it is never split.
func automation(e *APIError) bool {
	if rowLocked(e) {
		return false
	}
	if e.Code == codeTriggerFailure {
		return true
	}
	for _, s := range []string{"LimitException", "Apex CPU time limit exceeded", "Too many SOQL queries", "Too many DML"} {
		if strings.Contains(e.Message, s) {
			return true
		}
	}
	return false
}
