package salesforce

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/simpleforce/simpleforce"
)

// request is one HTTP exchange made with the credentials of s.
type request[T any] func(ctx context.Context, s session) (T, error)

// withSession runs fn with the current access token. Salesforce sends no
// expires_in, so a token is known to be dead only when a call is answered
// 401 INVALID_SESSION_ID ("The session ID or OAuth token used has expired
// or is invalid",
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm):
// that gets one new token and one more try, never more. A 401 is answered
// before anything is processed, so this is safe for writes too.
func withSession[T any](c *Client, ctx context.Context, op string, fn request[T]) (T, error) {
	var zero T
	s, err := c.session()
	if err != nil {
		return zero, err
	}
	v, err := fn(ctx, s)
	if !isInvalidSession(err) {
		return v, err
	}
	c.logger.Info("access token rejected; requesting a new one", "op", op)
	if err := c.authenticate(ctx, s.gen, false); err != nil {
		return zero, err
	}
	if s, err = c.session(); err != nil {
		return zero, err
	}
	v, err = fn(ctx, s)
	if isInvalidSession(err) {
		return zero, &AuthError{Flow: c.opts.Flow, Status: 401, Code: codeInvalidSession,
			Description: "rejected again right after a new token"}
	}
	return v, err
}

// retry runs fn (through withSession) until it succeeds, fails in a way
// retry does not accept, ctx ends or the policy's time runs out. Reads
// retry every ClassTransient failure; writes only failures that were
// demonstrably not processed (retryableWrite).
func retry[T any](c *Client, ctx context.Context, op string, write bool, fn request[T]) (T, error) {
	b := backoff.WithContext(c.opts.Retry.newBackOff(), ctx)
	attempt := 0
	var last error
	v, err := backoff.RetryNotifyWithData(func() (T, error) {
		attempt++
		v, err := withSession(c, ctx, op, fn)
		if err == nil {
			return v, nil
		}
		last = err
		again := Classify(err) == ClassTransient
		if write {
			again = retryableWrite(err)
		}
		if !again || ctx.Err() != nil {
			return v, backoff.Permanent(err)
		}
		return v, err
	}, b, func(err error, wait time.Duration) {
		// The first retry of a call is worth a warning; the rest would
		// flood the log during an outage (the final error reaches the
		// caller), so they go to debug.
		level := slog.LevelDebug
		if attempt == 1 {
			level = slog.LevelWarn
		}
		c.logger.Log(ctx, level, "transient failure; retrying", "op", op, "attempt", attempt,
			"wait", wait.Round(time.Millisecond).String(), "error", err)
	})
	if err != nil && err == ctx.Err() && last != nil && last != err {
		// backoff returns the bare context error when ctx ends between
		// attempts; keep what went wrong before.
		err = &TransportError{Op: op, Err: fmt.Errorf("%w (after: %v)", err, last)}
	}
	return v, err
}

// viaSimpleforce makes one attempt of a read through simpleforce: fn gets a
// simpleforce client that talks to the session's instance through a fresh
// edge only. What the edge kept (a transport failure, an error status, a
// malformed body) wins over what simpleforce returned; a decode error or a
// nil result from simpleforce is a malformed response; a panic in
// simpleforce is recovered.
func viaSimpleforce[T any](c *Client, ctx context.Context, s session, op string, hdr http.Header,
	fn func(*simpleforce.Client) (*T, error)) (*T, error) {
	e, cancel := c.newEdge(ctx, op, s.token, hdr, false)
	defer cancel()
	sf := simpleforce.NewClient(s.instance, c.opts.ClientID, c.version)
	sf.SetSidLoc(s.token, s.instance)
	sf.SetHttpClient(e.httpClient())
	v, err := guard(func() (*T, error) { return fn(sf) })
	if eerr := e.result(); eerr != nil {
		return nil, eerr
	}
	if err == nil && v == nil {
		err = errors.New("no result")
	}
	if err != nil {
		return nil, &TransportError{Op: op, Sent: true, Err: fmt.Errorf("%w: %v", ErrMalformedResponse, err)}
	}
	return v, nil
}

// guard runs a simpleforce call, turning a panic into an error.
func guard[T any](fn func() (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: simpleforce panicked: %v", ErrMalformedResponse, r)
		}
	}()
	return fn()
}

// get makes one attempt of a GET of path under the instance's REST URL
// through a fresh edge and returns the body, a complete JSON document.
// What the edge kept (a transport failure, an error status as an
// *APIError, a body that is not JSON) is the error.
func (c *Client) get(ctx context.Context, s session, op, path string) ([]byte, error) {
	e, cancel := c.newEdge(ctx, op, s.token, nil, false)
	defer cancel()
	req, err := http.NewRequest(http.MethodGet, c.dataURL(s, path), nil)
	if err != nil {
		return nil, &TransportError{Op: op, Err: err}
	}
	resp, err := e.httpClient().Do(req)
	if eerr := e.result(); eerr != nil {
		return nil, eerr
	}
	if err != nil {
		return nil, &TransportError{Op: op, Sent: e.wrote.Load(), Err: e.cause(err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, &TransportError{Op: op, Sent: true, Err: err}
	}
	return body, nil
}
