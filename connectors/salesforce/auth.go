package salesforce

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/oauth2/jwt"
)

// tokenPath is the OAuth 2.0 token endpoint, relative to the login URL.
const tokenPath = "/services/oauth2/token"

// jwtLifetime is how long a JWT bearer assertion is valid: Salesforce wants
// exp "within 3 minutes" of the request
// (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm).
const jwtLifetime = 3 * time.Minute

// saveTimeout bounds saving a rotated refresh token, which happens even if
// the call that triggered the refresh is being cancelled.
const saveTimeout = 10 * time.Second

// loadRefreshToken picks the refresh token Open starts with: the stored one
// if Options.Tokens holds one, else Options.RefreshToken.
func (c *Client) loadRefreshToken(ctx context.Context) error {
	rt := c.opts.RefreshToken
	if c.opts.Tokens != nil {
		stored, err := c.opts.Tokens.RefreshToken(ctx)
		if err != nil {
			return fmt.Errorf("read stored refresh token: %w", err)
		}
		if stored != "" {
			c.addSecrets(stored)
			rt = stored
		}
	}
	if rt == "" {
		return fmt.Errorf("%w: refresh_token flow: no refresh token configured or stored", ErrConfig)
	}
	c.mu.Lock()
	c.refresh = rt
	c.mu.Unlock()
	return nil
}

// authenticate requests a new access token with the configured flow.
//
// Salesforce sends no expires_in, so a token is replaced only when a call
// is answered 401 INVALID_SESSION_ID: gen is the generation of the token
// that was rejected, and nothing is requested when another call already
// replaced it. A grant the token endpoint rejects (4xx) is remembered and
// returned by every later call until Open is called again, so the client
// never re-authorizes in a loop (Salesforce revokes a user's oldest
// connections past five per connected app).
//
// At Open (open true) a rejected stored refresh token is followed by one
// attempt with Options.RefreshToken, when that differs.
func (c *Client) authenticate(ctx context.Context, gen uint64, open bool) error {
	c.authMu.Lock()
	defer c.authMu.Unlock()
	c.mu.Lock()
	if !open && c.gen != gen {
		c.mu.Unlock()
		return nil // another call already renewed the token
	}
	if c.authErr != nil && !open {
		err := c.authErr
		c.mu.Unlock()
		return err
	}
	rt := c.refresh
	c.mu.Unlock()

	tok, err := c.grant(ctx, rt)
	if err != nil && open && c.opts.Flow == FlowRefreshToken && rejected(err) &&
		c.opts.RefreshToken != "" && c.opts.RefreshToken != rt {
		c.logger.Warn("stored refresh token rejected; trying the configured one", "error", err)
		rt = c.opts.RefreshToken
		if tok, err = c.grant(ctx, rt); err == nil {
			// Replace the dead stored token, even if Salesforce did not rotate.
			c.mu.Lock()
			c.refresh = ""
			c.mu.Unlock()
		}
	}
	if err != nil {
		if rejected(err) && !open {
			c.mu.Lock()
			c.authErr = err
			c.mu.Unlock()
		}
		return err
	}
	c.install(ctx, tok, rt)
	return nil
}

// rejected reports whether err is a token request the endpoint refused
// (4xx: invalid_grant, invalid_client, ...), as opposed to one that could
// not be made.
func rejected(err error) bool {
	var ae *AuthError
	return errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500
}

// grant makes one token request. refresh is the refresh token to use with
// the refresh_token flow.
func (c *Client) grant(ctx context.Context, refresh string) (*oauth2.Token, error) {
	e, cancel := c.newEdge(ctx, "token", "", nil, true)
	defer cancel()
	ctx = context.WithValue(e.ctx, oauth2.HTTPClient, e.httpClient())
	tokenURL := c.loginURL + tokenPath
	o := c.opts
	var (
		tok *oauth2.Token
		err error
	)
	switch o.Flow {
	case FlowClientCredentials:
		// https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm
		cc := clientcredentials.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret,
			TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams}
		tok, err = cc.Token(ctx)
	case FlowJWTBearer:
		// iss = client id, sub = username, aud = the login server
		// (https://login.salesforce.com or https://test.salesforce.com,
		// never the My Domain the request goes to), RS256:
		// https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm
		jc := jwt.Config{Email: o.ClientID, Subject: o.Username, PrivateKey: o.PrivateKeyPEM,
			TokenURL: tokenURL, Audience: c.audience(), Expires: jwtLifetime}
		tok, err = jc.TokenSource(ctx).Token()
	case FlowRefreshToken:
		// https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm
		oc := c.oauthConfig(tokenURL)
		tok, err = oc.TokenSource(ctx, &oauth2.Token{RefreshToken: refresh}).Token()
	case FlowPassword:
		// https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_username_password_flow.htm
		oc := c.oauthConfig(tokenURL)
		tok, err = oc.PasswordCredentialsToken(ctx, o.Username, o.Password)
	default:
		return nil, fmt.Errorf("%w: unknown auth flow %q", ErrConfig, o.Flow)
	}
	if err != nil {
		return nil, c.authError(e, err)
	}
	return tok, nil
}

// audience is the JWT bearer aud: Options.JWTAudience, or
// DefaultAudience of the login URL.
func (c *Client) audience() string {
	if c.opts.JWTAudience != "" {
		return c.opts.JWTAudience
	}
	return DefaultAudience(c.loginURL)
}

func (c *Client) oauthConfig(tokenURL string) *oauth2.Config {
	return &oauth2.Config{ClientID: c.opts.ClientID, ClientSecret: c.opts.ClientSecret,
		Endpoint: oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams}}
}

// authError converts what golang.org/x/oauth2 returned into an *AuthError
// that carries only the status, the OAuth error code and description (or
// the transport failure), never a request or response body.
func (c *Client) authError(e *edge, err error) *AuthError {
	ae := &AuthError{Flow: c.opts.Flow}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.Response != nil {
			ae.Status = re.Response.StatusCode
		}
		code, desc := re.ErrorCode, re.ErrorDescription
		if code == "" && desc == "" {
			// x/oauth2/jwt fills only Body; read the OAuth error from it.
			p := parseErrorBody(ae.Status, re.Body)
			code, desc = p.Code, p.Message
		}
		ae.Code = snippet(c.redact(code))
		ae.Description = snippet(c.redact(desc))
		ae.Hint = authHint(c.opts.Flow, desc, c.loginURL, c.audience())
		return ae
	}
	if te := e.result(); te != nil {
		ae.Err = te
		return ae
	}
	// x/oauth2's own complaints ("server response missing access_token",
	// "cannot parse json: invalid character ..."): short and body-free.
	ae.Err = fmt.Errorf("%w: %s", ErrMalformedResponse, snippet(c.redact(err.Error())))
	return ae
}

// install makes tok the current access token. With the refresh_token flow,
// a refresh token Salesforce rotated ("the connected app issues a new
// refresh token along with the access token each time the flow is invoked.
// The previous refresh token is automatically invalidated",
// https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm)
// replaces used and is saved through Options.Tokens.
func (c *Client) install(ctx context.Context, tok *oauth2.Token, used string) {
	inst := c.loginURL
	if s, ok := tok.Extra("instance_url").(string); ok && validInstance(s) {
		inst = strings.TrimRight(s, "/")
	} else {
		c.logger.Warn("token response has no usable instance_url; using the login URL", "login_url", c.loginURL)
	}
	c.addSecrets(tok.AccessToken, tok.RefreshToken)
	id, _ := tok.Extra("id").(string)
	c.mu.Lock()
	c.access = tok.AccessToken
	c.instance = inst
	if uid := userIDFromIdentity(id); uid != "" {
		c.userID = uid
	}
	c.gen++
	save := ""
	if c.opts.Flow == FlowRefreshToken {
		next := used
		if tok.RefreshToken != "" {
			next = tok.RefreshToken
		}
		if next != c.refresh {
			save = next
		}
		c.refresh = next
	}
	c.mu.Unlock()
	c.logger.Info("authenticated", "flow", c.opts.Flow, "instance_url", inst)
	if save == "" || c.opts.Tokens == nil {
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	defer cancel()
	if err := c.opts.Tokens.SaveRefreshToken(sctx, save); err != nil {
		// The new token works in memory; a restart would need a new
		// authorization. Say so loudly, but do not fail the call.
		c.logger.Error("could not save the new refresh token; a restart will need a new authorization",
			"error", c.redact(err.Error()))
		return
	}
	c.logger.Info("saved the new refresh token")
}

// validInstance reports whether s is an absolute http(s) URL with a host and
// nothing else.
func validInstance(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" &&
		u.User == nil && u.RawQuery == "" && u.Fragment == ""
}
