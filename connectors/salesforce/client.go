package salesforce

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Client is a connection to one Salesforce org. Create it with New, call
// Open once, then Query, Describe and Update from any goroutine; Close it
// when done. It keeps no sync state: only the current access token, the
// last API usage Salesforce reported and a call counter.
type Client struct {
	opts      Options
	logger    *slog.Logger
	loginURL  string
	version   string
	timeout   time.Duration
	transport http.RoundTripper
	own       *http.Transport // the transport New created, closed by Close
	cfgErr    error           // from Options.validate, reported by Open

	calls atomic.Int64

	usageMu    sync.Mutex
	usageUsed  int
	usageMax   int
	serverTime time.Time     // the Date of the last response
	skew       time.Duration // how far Salesforce's clock is ahead of the host's (see ServerNow)
	skewKnown  bool

	authMu sync.Mutex // serializes token requests

	mu       sync.Mutex // guards the fields below
	state    clientState
	access   string   // current access token
	instance string   // current instance URL
	gen      uint64   // incremented by every new access token
	refresh  string   // current refresh token (refresh_token flow)
	authErr  error    // a rejected grant: every call fails with it until Open
	secrets  []string // values redacted from errors and logs
	static   int      // how many of secrets come from Options
	userID   string   // the integration user, from the token's identity URL (user.go)

	bulkTypes sync.Map // object name -> map[lower-case field]describe type, BulkQuery's cache (bulkquery.go)
}

type clientState int

const (
	stateNew clientState = iota
	stateOpen
	stateClosed
)

// New returns a Client for opts. It does no I/O; invalid options are
// reported by Open.
func New(opts Options) *Client {
	c := &Client{opts: opts, logger: opts.Logger, timeout: opts.Timeout}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if opts.HTTPClient != nil && opts.HTTPClient.Transport != nil {
		c.transport = opts.HTTPClient.Transport
	} else {
		c.own = http.DefaultTransport.(*http.Transport).Clone()
		c.transport = c.own
	}
	c.loginURL, c.version, c.cfgErr = opts.validate()
	c.addSecrets(opts.ClientSecret, opts.Password, opts.RefreshToken, string(opts.PrivateKeyPEM))
	c.static = len(c.secrets)
	return c
}

// Open checks the options and authenticates once with the configured flow.
// With the refresh_token flow it prefers the refresh token Options.Tokens
// holds over Options.RefreshToken. It never retries a rejected grant: the
// error is an *AuthError (ClassAuth). Calling Open again re-authenticates.
func (c *Client) Open(ctx context.Context) error {
	if c.cfgErr != nil {
		return c.cfgErr
	}
	c.mu.Lock()
	if c.state == stateClosed {
		c.mu.Unlock()
		return ErrClosed
	}
	c.authErr = nil
	c.mu.Unlock()

	if c.opts.Flow == FlowRefreshToken {
		if err := c.loadRefreshToken(ctx); err != nil {
			return err
		}
	}
	if err := c.authenticate(ctx, 0, true); err != nil {
		return err
	}
	c.mu.Lock()
	if c.state == stateNew {
		c.state = stateOpen
	}
	c.mu.Unlock()
	return nil
}

// Close releases idle connections of the transport New created. It is
// idempotent and safe before Open; later calls fail with ErrClosed.
func (c *Client) Close() error {
	c.mu.Lock()
	c.state = stateClosed
	c.access = ""
	c.mu.Unlock()
	if c.own != nil {
		c.own.CloseIdleConnections()
	}
	return nil
}

// Usage returns the org's daily API usage from the last Sforce-Limit-Info
// header Salesforce sent ("api-usage=18/5000"); max is 0 while unknown.
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm
func (c *Client) Usage() (used, max int) {
	c.usageMu.Lock()
	defer c.usageMu.Unlock()
	return c.usageUsed, c.usageMax
}

// ServerTime returns Salesforce's clock as the Date header of the last
// response told it (one-second precision); zero before any response. The
// engine takes its pull watermark from it, so that the host's clock never
// decides which changes a pull reads.
func (c *Client) ServerTime() time.Time {
	c.usageMu.Lock()
	defer c.usageMu.Unlock()
	return c.serverTime
}

func (c *Client) setServerTime(t time.Time) {
	// A Date header carries whole seconds, cut down: Salesforce's clock
	// was at least t when the response arrived, so t - arrival bounds the
	// skew from below, within a second and the request's latency.
	skew := time.Until(t)
	c.usageMu.Lock()
	c.serverTime = t
	if !c.skewKnown || skew > c.skew {
		c.skew, c.skewKnown = skew, true
	}
	c.usageMu.Unlock()
}

// maxHostSkew is the disagreement between the host's clock and
// Salesforce's that ServerNow tolerates: within it the host's own clock
// (precise, monotonic) is Salesforce's time.
const maxHostSkew = 2 * time.Second

// ServerNow returns Salesforce's time now. It is the host's time, unless
// Salesforce's responses (their Date headers) show its clock more than
// maxHostSkew ahead: then the host's time moved by that skew, so that a
// host clock set wrong does not decide the as-of date of the rules.
func (c *Client) ServerNow() time.Time {
	c.usageMu.Lock()
	skew := c.skew
	c.usageMu.Unlock()
	if skew < maxHostSkew && skew > -maxHostSkew {
		return time.Now()
	}
	return time.Now().Add(skew)
}

// budgetSpent reports whether the org's usage has reached
// Options.MaxAPIShare of its daily limit.
func (c *Client) budgetSpent() bool {
	share := c.opts.MaxAPIShare
	if share <= 0 {
		return false
	}
	used, max := c.Usage()
	return max > 0 && float64(used) >= share*float64(max)
}

func (c *Client) setUsage(used, max int) {
	c.usageMu.Lock()
	c.usageUsed, c.usageMax = used, max
	c.usageMu.Unlock()
}

// Calls returns the number of HTTP requests made to /services/data and to
// the token endpoint, failed ones included.
func (c *Client) Calls() int64 { return c.calls.Load() }

// session is a snapshot of the credentials one request uses.
type session struct {
	token    string
	instance string
	gen      uint64
}

// session returns the current credentials, or why there are none.
func (c *Client) session() (session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.state == stateClosed:
		return session{}, ErrClosed
	case c.authErr != nil:
		return session{}, c.authErr
	case c.state != stateOpen || c.access == "":
		return session{}, ErrNotOpen
	}
	return session{token: c.access, instance: c.instance, gen: c.gen}, nil
}

// dataURL returns the instance's REST URL for path ("query", "sobjects/...").
func (c *Client) dataURL(s session, path string) string {
	return s.instance + "/services/data/v" + c.version + "/" + path
}

// newEdge returns the transport of one attempt and the function that ends
// the attempt's timeout.
func (c *Client) newEdge(ctx context.Context, op, token string, header http.Header, raw bool) (*edge, context.CancelFunc) {
	ctx, cancel := context.WithTimeoutCause(ctx, c.timeout, errCallTimeout)
	return &edge{c: c, ctx: ctx, op: op, token: token, header: header, raw: raw}, cancel
}

// addSecrets remembers values that must never appear in an error or a log
// line.
func (c *Client) addSecrets(vals ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, v := range vals {
		v = strings.TrimSpace(v)
		if len(v) < 6 {
			continue
		}
		dup := false
		for _, s := range c.secrets {
			if s == v {
				dup = true
				break
			}
		}
		if !dup {
			c.secrets = append(c.secrets, v)
		}
	}
	// Keep the configured secrets and the newest tokens: a long-running
	// daemon gets a new access token every session timeout.
	if n := len(c.secrets); n > maxSecrets {
		keep := c.secrets[:c.static:c.static]
		c.secrets = append(keep, c.secrets[n-(maxSecrets-c.static):]...)
	}
}

// maxSecrets bounds the remembered secrets.
const maxSecrets = 64

// redact replaces every known secret in s.
func (c *Client) redact(s string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, v := range c.secrets {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return s
}

func (c *Client) redactAPIError(e *APIError) {
	e.Code = c.redact(e.Code)
	e.Message = c.redact(e.Message)
	for i, f := range e.Fields {
		e.Fields[i] = c.redact(f)
	}
}
