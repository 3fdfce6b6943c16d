package sftest

import (
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The OAuth 2.0 token endpoint, POST /services/oauth2/token with a
// form-encoded body. Grant types and their pages in Salesforce Help:
//
//   - client_credentials: "OAuth 2.0 Client Credentials Flow for
//     Server-to-Server Integration",
//     https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_client_credentials_flow.htm
//   - password: "OAuth 2.0 Username-Password Flow for Special Scenarios",
//     https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_username_password_flow.htm
//   - refresh_token: "OAuth 2.0 Refresh Token Flow for Renewed Sessions",
//     https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_refresh_token_flow.htm
//   - urn:ietf:params:oauth:grant-type:jwt-bearer: "OAuth 2.0 JWT Bearer
//     Flow for Server-to-Server Integration",
//     https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_jwt_flow.htm
//
// A success is 200 with access_token, signature, scope, instance_url, id,
// token_type "Bearer" and issued_at (milliseconds since the epoch, as a
// string); Salesforce returns no expires_in (the session timeout is set in
// the org). A failure is 400 with {"error","error_description"} ("OAuth 2.0
// Authorization Errors",
// https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_flow_errors.htm).
const jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// tokenResponse is a successful token response.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Signature    string `json:"signature,omitempty"`
	Scope        string `json:"scope"`
	InstanceURL  string `json:"instance_url"`
	ID           string `json:"id"`
	TokenType    string `json:"token_type"`
	IssuedAt     string `json:"issued_at"`
}

// oauthError is a failed token response.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// The error bodies the token endpoint returns. The pairs are those
// Salesforce returns; see the pages above and the per-flow examples quoted
// next to each use.
var (
	errUnsupportedGrant = oauthError{"unsupported_grant_type", "grant type not supported"}
	errInvalidClientID  = oauthError{"invalid_client_id", "client identifier invalid"}
	errInvalidClient    = oauthError{"invalid_client", "invalid client credentials"}
	errAuthFailure      = oauthError{"invalid_grant", "authentication failure"}
	errExpiredRefresh   = oauthError{"invalid_grant", "expired access/refresh token"}
	errInvalidAssertion = oauthError{"invalid_grant", "invalid assertion"}
	errExpiredJWT       = oauthError{"invalid_grant", "expired authorization code"}
	errMustPost         = oauthError{"invalid_request", "must use HTTP POST"}
)

func writeOAuthError(w http.ResponseWriter, e oauthError) {
	writeJSON(w, http.StatusBadRequest, e)
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache,must-revalidate,max-age=0,no-store,private")
	if r.Method != http.MethodPost {
		writeOAuthError(w, errMustPost)
		return
	}
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, oauthError{"invalid_request", "malformed request body"})
		return
	}
	clientID, secret, hasSecret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret"), r.PostForm.Has("client_secret")
	// Client credentials may come in an HTTP Basic header instead of the
	// body (the refresh token flow page shows both).
	if id, sec, ok := r.BasicAuth(); ok {
		clientID, secret, hasSecret = id, sec, true
	}
	now := s.now()
	switch grant := r.PostForm.Get("grant_type"); grant {
	case "client_credentials":
		// Served on a My Domain only; login.salesforce.com and
		// test.salesforce.com refuse it (loginhost.go).
		if s.genericLoginHost() {
			writeOAuthError(w, errDomain)
			return
		}
		if e, ok := s.checkClient(clientID, secret, true); !ok {
			writeOAuthError(w, e)
			return
		}
		s.writeToken(w, now, "", 0, true)
	case "password":
		if e, ok := s.checkClient(clientID, secret, true); !ok {
			writeOAuthError(w, e)
			return
		}
		// A wrong username or password: {"error":"invalid_grant",
		// "error_description":"authentication failure"}.
		o := s.opts
		if o.Username == "" || !equal(r.PostForm.Get("username"), o.Username) || !equal(r.PostForm.Get("password"), o.Password) {
			writeOAuthError(w, errAuthFailure)
			return
		}
		s.writeToken(w, now, "", 0, true)
	case "refresh_token":
		if e, ok := s.checkClient(clientID, secret, hasSecret); !ok {
			writeOAuthError(w, e)
			return
		}
		// An unknown, revoked or rotated-out refresh token:
		// {"error":"invalid_grant","error_description":"expired
		// access/refresh token"} (OAuth 2.0 Authorization Errors).
		next, family, ok := s.auth.useRefresh(r.PostForm.Get("refresh_token"), s.opts.RotateRefreshTokens)
		if !ok {
			writeOAuthError(w, errExpiredRefresh)
			return
		}
		s.writeToken(w, now, next, family, true)
	case jwtBearerGrant:
		if e, ok := s.checkAssertion(r.PostForm.Get("assertion"), now); !ok {
			writeOAuthError(w, e)
			return
		}
		s.writeToken(w, now, "", 0, false)
	default:
		writeOAuthError(w, errUnsupportedGrant)
	}
}

// checkClient authenticates the connected app: an unknown client_id is
// invalid_client_id "client identifier invalid"; a wrong (or, when
// needSecret, missing) client_secret is invalid_client "invalid client
// credentials".
func (s *Server) checkClient(id, secret string, needSecret bool) (oauthError, bool) {
	if s.opts.ClientID == "" || !equal(id, s.opts.ClientID) {
		return errInvalidClientID, false
	}
	if needSecret && !equal(secret, s.opts.ClientSecret) {
		return errInvalidClient, false
	}
	return oauthError{}, true
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// writeToken issues an access token and writes the success response. The
// signature is the Base64 HMAC-SHA256 of id+issued_at keyed with the client
// secret, as the flows' pages describe it; the JWT bearer response has none.
func (s *Server) writeToken(w http.ResponseWriter, now time.Time, refresh string, family int, sign bool) {
	tok := s.auth.issue(now, family)
	resp := tokenResponse{
		AccessToken:  tok,
		RefreshToken: refresh,
		Scope:        "api",
		InstanceURL:  s.url,
		ID:           s.url + "/id/" + orgID + "/" + userID,
		TokenType:    "Bearer",
		IssuedAt:     strconv.FormatInt(now.UnixMilli(), 10),
	}
	if sign {
		mac := hmac.New(sha256.New, []byte(s.opts.ClientSecret))
		mac.Write([]byte(resp.ID + resp.IssuedAt))
		resp.Signature = base64.StdEncoding.EncodeToString(mac.Sum(nil))
	}
	writeJSON(w, http.StatusOK, resp)
}

// jwtClaims are the claims the JWT bearer flow reads.
type jwtClaims struct {
	Iss string          `json:"iss"`
	Sub string          `json:"sub"`
	Aud json.RawMessage `json:"aud"`
	Exp json.Number     `json:"exp"`
}

// checkAssertion verifies a JWT bearer assertion: an RS256 signature by the
// key of Options.JWTCertificatePEM, iss equal to the client ID, sub equal to
// the username, aud exactly the org's audience (https://login.salesforce.com,
// or https://test.salesforce.com with Options.Sandbox, whatever host the
// request came to; see loginhost.go) and exp not passed. The failures and
// their descriptions: a bad signature or shape "invalid assertion", a wrong
// aud "audience is invalid", a passed exp "expired authorization code" (the
// responses orgs return; the flow errors page shows the JSON shape with
// "Audience validation failed"), an unknown iss invalid_client_id.
//
// The flow's page asks for an exp "within 3 minutes" of the request, but
// orgs accept longer ones (a 5-minute exp works:
// https://github.com/simple-salesforce/simple-salesforce/issues/491), and no
// error for a distant exp is documented, so none is invented here.
func (s *Server) checkAssertion(assertion string, now time.Time) (oauthError, bool) {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 || s.auth.jwtKey == nil {
		return errInvalidAssertion, false
	}
	enc := base64.RawURLEncoding
	headerJSON, err1 := enc.DecodeString(parts[0])
	claimsJSON, err2 := enc.DecodeString(parts[1])
	sig, err3 := enc.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return errInvalidAssertion, false
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(headerJSON, &header) != nil || header.Alg != "RS256" {
		return errInvalidAssertion, false
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(s.auth.jwtKey, crypto.SHA256, sum[:], sig) != nil {
		return errInvalidAssertion, false
	}
	var c jwtClaims
	dec := json.NewDecoder(strings.NewReader(string(claimsJSON)))
	dec.UseNumber()
	if dec.Decode(&c) != nil {
		return errInvalidAssertion, false
	}
	if s.opts.ClientID == "" || !equal(c.Iss, s.opts.ClientID) {
		return errInvalidClientID, false
	}
	if s.opts.Username == "" || !equal(c.Sub, s.opts.Username) {
		return errInvalidAssertion, false
	}
	if !s.validAudience(c.Aud) {
		return errAudience, false
	}
	exp, err := c.Exp.Float64()
	if err != nil || float64(now.Unix()) >= exp {
		return errExpiredJWT, false
	}
	return oauthError{}, true
}
