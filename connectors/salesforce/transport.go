package salesforce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
)

// maxBody bounds how much of a response the connector reads (a 2,000-record
// query page is a few MB).
const maxBody = 64 << 20

// shieldBody is what the edge hands simpleforce in place of a failed
// response: valid JSON of every shape simpleforce decodes, so simpleforce
// returns without reaching any of its log.Println calls or its panicking
// error parser. The caller then reports edge.err.
const shieldBody = `{}`

// edge is the http.RoundTripper of one attempt of one call. It attaches the
// attempt's context (which carries the per-call timeout), sets the bearer
// token and extra headers, counts the call, records the Sforce-Limit-Info
// usage, notes whether the request was written, and reads the whole body.
//
// In raw mode (token requests) it returns responses of any status as they
// are, so golang.org/x/oauth2 can read the OAuth error; a transport failure
// is returned as an error and kept in err.
//
// Otherwise it never returns an error: a connection failure, a non-2xx
// status (parsed defensively into an *APIError), an unreadable or non-JSON
// 2xx body is kept in err and replaced by a 200 response carrying
// shieldBody. simpleforce therefore only ever sees complete, valid JSON 2xx
// bodies, and its callers must check err first.
type edge struct {
	c      *Client
	ctx    context.Context
	op     string
	token  string      // bearer token; "" in raw mode
	header http.Header // extra request headers
	raw    bool
	stream bool // with raw: a 2xx body is left for the caller to read

	wrote  atomic.Bool
	mu     sync.Mutex
	err    error
	status int
}

// RoundTrip implements http.RoundTripper.
func (e *edge) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := httptrace.WithClientTrace(e.ctx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				e.wrote.Store(true)
			}
		},
	})
	req = req.Clone(ctx)
	if e.token != "" {
		req.Header.Set("Authorization", "Bearer "+e.token)
	}
	for k, v := range e.header {
		req.Header[k] = v
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if !e.raw && e.c.budgetSpent() {
		used, max := e.c.Usage()
		return e.fail(req, &APIError{Code: codeBudgetSpent, Message: fmt.Sprintf(
			"not sent: the org's API usage %d/%d has reached salesforce max_api_share %.2f", used, max, e.c.opts.MaxAPIShare)})
	}
	e.c.calls.Add(1)
	resp, err := e.c.transport.RoundTrip(req)
	if err != nil {
		return e.fail(req, &TransportError{Op: e.op, Sent: e.wrote.Load(), Err: e.cause(err)})
	}
	if d, derr := http.ParseTime(resp.Header.Get("Date")); derr == nil {
		e.c.setServerTime(d)
	}
	if h := resp.Header.Get("Sforce-Limit-Info"); h != "" {
		if used, max, ok := parseLimitInfo(h); ok {
			e.c.setUsage(used, max)
		}
	}
	if e.raw && e.stream && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		e.setStatus(resp.StatusCode)
		return resp, nil // read by the caller, under the call's timeout
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	e.setStatus(resp.StatusCode)
	if e.raw {
		if rerr != nil {
			return e.fail(req, &TransportError{Op: e.op, Sent: true, Err: e.cause(rerr)})
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return resp, nil
	}
	switch {
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		// A cut-off error body still says what went wrong; parse what arrived.
		ap := parseErrorBody(resp.StatusCode, body)
		e.c.redactAPIError(ap)
		return e.fail(req, ap)
	case rerr != nil:
		return e.fail(req, &TransportError{Op: e.op, Sent: true, Err: e.cause(rerr)})
	case resp.StatusCode != http.StatusNoContent && !json.Valid(body):
		return e.fail(req, &TransportError{Op: e.op, Sent: true,
			Err: fmt.Errorf("%w: http %d, %d bytes that are not valid JSON", ErrMalformedResponse, resp.StatusCode, len(body))})
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// fail records err and, outside raw mode, answers with the shield.
func (e *edge) fail(req *http.Request, err error) (*http.Response, error) {
	e.mu.Lock()
	e.err = err
	e.mu.Unlock()
	if e.raw {
		return nil, err
	}
	return &http.Response{
		Status:        "200 OK",
		StatusCode:    http.StatusOK,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}, "Content-Length": {strconv.Itoa(len(shieldBody))}},
		Body:          io.NopCloser(bytes.NewReader([]byte(shieldBody))),
		ContentLength: int64(len(shieldBody)),
		Request:       req,
	}, nil
}

func (e *edge) setStatus(code int) {
	e.mu.Lock()
	e.status = code
	e.mu.Unlock()
}

// result returns the recorded failure, or nil.
func (e *edge) result() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

// cause drops the *url.Error layer (its text repeats the request URL, which
// for a query holds the SOQL) and names a per-call timeout as such.
func (e *edge) cause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) && context.Cause(e.ctx) == errCallTimeout {
		return fmt.Errorf("%w: %w", errCallTimeout, err)
	}
	return err
}

// errCallTimeout is the cause of a call's context when Options.Timeout ran
// out (as opposed to the caller's deadline).
var errCallTimeout = errors.New("call timed out")

// httpClient returns an *http.Client whose every request goes through e.
// Redirects are not followed: Salesforce's REST API does not redirect, and
// following one would carry the bearer token elsewhere.
func (e *edge) httpClient() *http.Client {
	return &http.Client{
		Transport: e,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
