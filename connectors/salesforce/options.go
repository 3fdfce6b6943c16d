package salesforce

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// OAuth 2.0 flows Options.Flow accepts.
const (
	FlowClientCredentials = "client_credentials"
	FlowJWTBearer         = "jwt_bearer"
	FlowRefreshToken      = "refresh_token"
	FlowPassword          = "password"
)

// Defaults for Options fields left zero.
const (
	DefaultTimeout    = 60 * time.Second
	DefaultAPIVersion = "62.0"
	// DefaultQueryBatchSize is the largest page Salesforce returns; the
	// Sforce-Query-Options batchSize "default is 2,000; the minimum is 200,
	// and the maximum is 2,000"
	// (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_queryoptions.htm).
	DefaultQueryBatchSize = 2000
	// MaxBatchSize is the sObject Collections limit: "The list can contain
	// up to 200 objects."
	// (https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-update.html).
	MaxBatchSize = 200
)

// DefaultRetryPolicy is the backoff for transient failures when Options
// leave Retry zero.
var DefaultRetryPolicy = RetryPolicy{
	InitialInterval: 500 * time.Millisecond,
	MaxInterval:     10 * time.Second,
	MaxElapsedTime:  time.Minute,
}

// Options configure a Client. Secrets (ClientSecret, Password,
// RefreshToken, PrivateKeyPEM) never appear in an error or a log line.
type Options struct {
	// LoginURL is the authorization server, e.g. https://login.salesforce.com,
	// https://test.salesforce.com or a My Domain URL. The token endpoint is
	// LoginURL + "/services/oauth2/token".
	LoginURL   string
	APIVersion string // "62.0" or "v62.0"; default DefaultAPIVersion

	// Flow is one of the Flow* constants.
	Flow string

	ClientID, ClientSecret string
	Username, Password     string // password flow; Username is also the JWT "sub"
	RefreshToken           string // refresh_token flow, unless Tokens holds one
	PrivateKeyPEM          []byte // jwt_bearer: RSA key (PKCS #1 or PKCS #8 PEM)
	// JWTAudience is the JWT "aud" claim; default DefaultAudience(LoginURL),
	// https://login.salesforce.com or, for a sandbox login URL,
	// https://test.salesforce.com. Salesforce refuses a My Domain URL here.
	JWTAudience string

	// Tokens, when set, is where a refresh token Salesforce rotates is
	// saved, and the refresh token Open prefers over RefreshToken.
	Tokens TokenStore

	// HTTPClient supplies the transport (nil: a private clone of
	// http.DefaultTransport). Its Timeout and redirect policy are not
	// used: every call has its own Timeout and redirects are not followed.
	HTTPClient *http.Client
	Timeout    time.Duration // per HTTP call, default DefaultTimeout
	Retry      RetryPolicy   // transient-failure backoff; zero: DefaultRetryPolicy

	// QueryBatchSize is sent as Sforce-Query-Options batchSize (200..2000,
	// default DefaultQueryBatchSize).
	QueryBatchSize int

	// MaxAPIShare, when above zero, caps every call to the REST and Bulk
	// APIs (reads, describes, writes, job polls; not token requests, which
	// the daily limit does not count): once the org's usage, as the last
	// Sforce-Limit-Info header told it, reaches this share of its daily
	// limit, a call fails before it is sent with ErrBudgetSpent
	// (ClassLimit).
	MaxAPIShare float64

	// EnforceDuplicateRules, when true, lets the org's duplicate rules
	// apply to lifecycled's writes as to a user's. When false (the
	// default) every write carries Sforce-Duplicate-Rule-Header:
	// allowSave=true, so that a rule that only alerts does not stop an
	// update of two fields that has nothing to do with the duplication; a
	// rule that blocks still fails the record with DUPLICATES_DETECTED.
	EnforceDuplicateRules bool

	// BulkMaxRecords is the maxRecords BulkQuery asks each results page for
	// (default DefaultBulkMaxRecords); Salesforce may return fewer.
	BulkMaxRecords int

	Logger *slog.Logger // nil: discard
}

// TokenStore keeps the refresh token across restarts. internal/store's DB
// implements it.
type TokenStore interface {
	RefreshToken(ctx context.Context) (string, error) // "" when none is stored
	SaveRefreshToken(ctx context.Context, tok string) error
}

// RetryPolicy bounds the exponential backoff (with jitter) of reads and of
// writes Salesforce demonstrably did not process.
type RetryPolicy struct {
	InitialInterval time.Duration
	MaxInterval     time.Duration
	MaxElapsedTime  time.Duration // the whole retry sequence; never unbounded
}

// newBackOff returns a fresh backoff for one operation.
func (p RetryPolicy) newBackOff() *backoff.ExponentialBackOff {
	d := DefaultRetryPolicy
	if p.InitialInterval > 0 {
		d.InitialInterval = p.InitialInterval
	}
	if p.MaxInterval > 0 {
		d.MaxInterval = p.MaxInterval
	}
	if p.MaxElapsedTime > 0 {
		d.MaxElapsedTime = p.MaxElapsedTime
	}
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = d.InitialInterval
	b.MaxInterval = d.MaxInterval
	b.MaxElapsedTime = d.MaxElapsedTime
	b.RandomizationFactor = 0.5
	b.Multiplier = 2
	b.Reset()
	return b
}

// validate checks o and returns the normalised login URL and API version.
// Its errors wrap ErrConfig and never quote a secret.
func (o Options) validate() (loginURL, version string, err error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...))
	}
	u, perr := url.Parse(strings.TrimRight(o.LoginURL, "/"))
	if o.LoginURL == "" || perr != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", "", bad("login URL %q: want https://host", o.LoginURL)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", "", bad("login URL: want scheme://host[/path] without user info, query or fragment")
	}
	version = strings.TrimPrefix(o.APIVersion, "v")
	if version == "" {
		version = DefaultAPIVersion
	}
	major, minor, ok := strings.Cut(version, ".")
	if n, aerr := strconv.Atoi(major); !ok || aerr != nil || n < 20 || minor != "0" {
		return "", "", bad("api version %q: want a version such as 62.0", o.APIVersion)
	}
	if o.ClientID == "" {
		return "", "", bad("client id is empty")
	}
	switch o.Flow {
	case FlowClientCredentials:
		if o.ClientSecret == "" {
			return "", "", bad("client_credentials flow needs a client secret")
		}
	case FlowJWTBearer:
		if o.Username == "" {
			return "", "", bad("jwt_bearer flow needs a username (the JWT sub)")
		}
		if _, kerr := parseRSAKey(o.PrivateKeyPEM); kerr != nil {
			return "", "", bad("jwt_bearer flow: %v", kerr)
		}
	case FlowRefreshToken:
		if o.RefreshToken == "" && o.Tokens == nil {
			return "", "", bad("refresh_token flow needs a refresh token")
		}
	case FlowPassword:
		if o.Username == "" || o.Password == "" {
			return "", "", bad("password flow needs a username and a password")
		}
	default:
		return "", "", bad("unknown auth flow %q (want client_credentials, jwt_bearer, refresh_token or password)", o.Flow)
	}
	if o.QueryBatchSize != 0 && (o.QueryBatchSize < 200 || o.QueryBatchSize > 2000) {
		return "", "", bad("query batch size %d: want 200 to 2000", o.QueryBatchSize)
	}
	return u.String(), version, nil
}
