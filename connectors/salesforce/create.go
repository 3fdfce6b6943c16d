package salesforce

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Create creates records of object (at most MaxBatchSize) with one sObject
// Collections request, POST /services/data/vXX.X/composite/sobjects with
// allOrNone false, and returns one Result per record in input order: ID is
// the new record's Id when Err is nil ("Create Records Using sObject
// Collections", REST API Developer Guide,
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_create.htm:
// "The SaveResult objects are returned in the order in which the create
// requests were specified"). A record's Err is the *APIError Salesforce
// reported for it (INACTIVE_OWNER_OR_USER, FIELD_CUSTOM_VALIDATION_EXCEPTION:
// ClassPermanent). The fields must not hold Id or attributes.
//
// The error is for the whole call, as for Update: an *AmbiguousError when
// the request was sent and its outcome is unknown (a connection reset after
// Salesforce processed it creates the records all the same). A create is
// not idempotent, so an ambiguous request is never sent again: the caller
// finds out what was created (lifecycled queries a key field) before it
// sends the records again.
func (c *Client) Create(ctx context.Context, object string, records []map[string]any) ([]Result, error) {
	if len(records) == 0 {
		return nil, nil
	}
	if len(records) > MaxBatchSize {
		return nil, fmt.Errorf("create %s: %w (%d records)", object, ErrBatchTooLarge, len(records))
	}
	if !validName(object) {
		return nil, fmt.Errorf("create: invalid object name %q", snippet(object))
	}
	var body bytes.Buffer
	body.WriteString(`{"allOrNone":false,"records":[`)
	for i, r := range records {
		m := make(map[string]any, len(r)+1)
		for k, v := range r {
			if strings.EqualFold(k, "id") || strings.EqualFold(k, "attributes") {
				return nil, fmt.Errorf("create %s: record %d sets %s", object, i, k)
			}
			m[k] = v
		}
		m["attributes"] = map[string]string{"type": object}
		raw, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("create %s: encode record %d: %w", object, i, err)
		}
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(raw)
	}
	body.WriteString(`]}`)
	payload := body.Bytes()
	results, err := retry(c, ctx, "create", true, func(ctx context.Context, s session) ([]Result, error) {
		return c.postCreate(ctx, s, payload, len(records))
	})
	if err != nil {
		if ambiguousWrite(err) {
			err = &AmbiguousError{Op: "create", Err: err}
		}
		return nil, fmt.Errorf("create %s: %w", object, err)
	}
	return results, nil
}

// postCreate is one attempt of one create request.
func (c *Client) postCreate(ctx context.Context, s session, payload []byte, n int) ([]Result, error) {
	hdr := http.Header{"Content-Type": {"application/json"}}
	if !c.opts.EnforceDuplicateRules {
		hdr.Set(duplicateRuleHeader, "allowSave=true")
	}
	e, cancel := c.newEdge(ctx, "create", s.token, hdr, false)
	defer cancel()
	req, err := http.NewRequest(http.MethodPost, c.dataURL(s, "composite/sobjects"), bytes.NewReader(payload))
	if err != nil {
		return nil, &TransportError{Op: "create", Err: err}
	}
	resp, err := e.httpClient().Do(req)
	if eerr := e.result(); eerr != nil {
		return nil, eerr
	}
	if err != nil {
		return nil, &TransportError{Op: "create", Err: err}
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, &TransportError{Op: "create", Sent: true, Err: err}
	}
	var results []saveResult
	if err := json.Unmarshal(raw, &results); err != nil || len(results) != n {
		return nil, &TransportError{Op: "create", Sent: true, Err: fmt.Errorf(
			"%w: want a list of %d save results", ErrMalformedResponse, n)}
	}
	out := make([]Result, n)
	for k, r := range results {
		if r.Success {
			out[k].ID = r.ID
			continue
		}
		ae := &APIError{Code: "UNKNOWN_EXCEPTION", Message: "record not created; Salesforce gave no reason"}
		if len(r.Errors) > 0 {
			first := r.Errors[0]
			ae.Code = first.StatusCode
			if ae.Code == "" {
				ae.Code = first.ErrorCode
			}
			ae.Code, ae.Message = snippet(ae.Code), snippet(first.Message)
			for _, f := range first.Fields {
				if len(ae.Fields) < 20 {
					ae.Fields = append(ae.Fields, snippet(f))
				}
			}
		}
		c.redactAPIError(ae)
		out[k].Err = ae
	}
	return out, nil
}
