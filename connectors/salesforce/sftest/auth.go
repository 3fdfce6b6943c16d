package sftest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Fixed identifiers of the emulated org and its integration user; the
// identity URL of a token response is instanceURL/id/orgID/userID.
var (
	orgID  = makeID("00D", 1)
	userID = IntegrationUserID
)

// authState holds the issued access tokens and the refresh tokens the server
// accepts. Access tokens are opaque strings in Salesforce's session-ID shape
// ("00D...!..."); the state is guarded by its own mutex.
type authState struct {
	mu       sync.Mutex
	opts     Options
	jwtKey   *rsa.PublicKey
	access   map[string]session // access token -> session
	refresh  map[string]int     // refresh token accepted -> its family
	rotated  map[string]int     // refresh token rotated out -> its family
	families int
	lifetime time.Duration
}

// session is an issued access token: when it expires and the refresh-token
// family that issued it (0: none).
type session struct {
	expires time.Time
	family  int
}

func (a *authState) init(opts Options) error {
	if err := checkLoginHost(opts.LoginHost); err != nil {
		return err
	}
	a.opts = opts
	a.lifetime = opts.TokenLifetime
	a.access = map[string]session{}
	a.refresh = map[string]int{}
	a.rotated = map[string]int{}
	if opts.RefreshToken != "" {
		a.families++
		a.refresh[opts.RefreshToken] = a.families
	}
	if len(opts.JWTCertificatePEM) > 0 {
		k, err := parsePublicKey(opts.JWTCertificatePEM)
		if err != nil {
			return fmt.Errorf("jwt certificate: %w", err)
		}
		a.jwtKey = k
	}
	return nil
}

// parsePublicKey reads the RSA public key of the first PEM block: a
// CERTIFICATE (what a connected app is configured with) or a PUBLIC KEY.
func parsePublicKey(data []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	var pub any
	switch block.Type {
	case "CERTIFICATE":
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate: %w", err)
		}
		pub = cert.PublicKey
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse public key: %w", err)
		}
		pub = k
	default:
		return nil, fmt.Errorf("unsupported PEM block type %q (want CERTIFICATE or PUBLIC KEY)", block.Type)
	}
	k, ok := pub.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%T is not an RSA key (RS256 needs RSA)", pub)
	}
	return k, nil
}

// issue creates an access token valid until now+lifetime, issued by the
// refresh-token family (0: none).
func (a *authState) issue(now time.Time, family int) string {
	tok := orgID[:15] + "!" + randomToken(72)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.access[tok] = session{expires: now.Add(a.lifetime), family: family}
	// Forget expired tokens now and then so a long run does not grow.
	if len(a.access)%1024 == 0 {
		for t, ses := range a.access {
			if !now.Before(ses.expires) {
				delete(a.access, t)
			}
		}
	}
	return tok
}

// valid reports whether tok is an issued, unexpired, unrevoked token.
func (a *authState) valid(tok string, now time.Time) bool {
	if tok == "" {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	ses, ok := a.access[tok]
	return ok && now.Before(ses.expires)
}

// revoke invalidates every access token.
func (a *authState) revoke() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.access = map[string]session{}
}

// useRefresh reports whether tok is an accepted refresh token and returns
// its family; with rotate it replaces tok by a new token, which it returns.
//
// Reusing a token that was rotated out invalidates the family's current
// refresh token and every access token it issued: "If someone tries to use
// a refresh token that's been rotated out, Salesforce invalidates the
// current refresh token and any associated access tokens" (OAuth 2.0 Refresh
// Token Flow for Renewed Sessions,
// https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_refresh_token_flow.htm).
func (a *authState) useRefresh(tok string, rotate bool) (next string, family int, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if tok == "" {
		return "", 0, false
	}
	if fam, reused := a.rotated[tok]; reused {
		for t, f := range a.refresh {
			if f == fam {
				delete(a.refresh, t)
			}
		}
		for t, ses := range a.access {
			if ses.family == fam {
				delete(a.access, t)
			}
		}
		return "", 0, false
	}
	family, ok = a.refresh[tok]
	if !ok {
		return "", 0, false
	}
	if !rotate {
		return "", family, true
	}
	delete(a.refresh, tok)
	a.rotated[tok] = family
	next = "5Aep" + randomToken(83)
	a.refresh[next] = family
	return next, family, true
}

// RevokeTokens invalidates every access token issued so far: the next
// /services/data call with one gets 401 INVALID_SESSION_ID, as after an
// admin revokes the sessions or they time out.
func (s *Server) RevokeTokens() { s.auth.revoke() }

// AddRefreshToken makes tok an accepted refresh token (besides
// Options.RefreshToken).
func (s *Server) AddRefreshToken(tok string) {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	s.auth.families++
	s.auth.refresh[tok] = s.auth.families
}

// randomToken returns n characters from a token alphabet.
func randomToken(n int) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._"
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		// crypto/rand never fails on supported platforms; fall back to a
		// time-based value rather than panic.
		copy(b, base64.RawURLEncoding.EncodeToString([]byte(time.Now().String())))
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
