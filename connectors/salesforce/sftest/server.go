package sftest

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Record is a Salesforce record in the JSON form the REST API uses, without
// "attributes": field API name -> string (text, picklist, ID), float64
// (number), bool (checkbox), "2024-03-01" (date),
// "2024-03-01T12:00:00.000+0000" (dateTime) or nil (empty).
type Record = map[string]any

// Options configure a Server. The zero value serves the default schema with
// no accounts, client ID and secret empty (every client_credentials request
// then fails), a 2-hour token lifetime and a 100,000-call daily API limit.
type Options struct {
	ClientID, ClientSecret string        // client_credentials, and the client for every other grant
	Username, Password     string        // password grant (and the JWT "sub" must equal Username)
	JWTCertificatePEM      []byte        // certificate whose key signs RS256 JWT-bearer assertions
	RefreshToken           string        // a refresh token the server accepts (refresh_token grant)
	RotateRefreshTokens    bool          // refresh_token grant returns a new refresh_token and revokes the old
	TokenLifetime          time.Duration // default 2h
	APILimit               int           // daily API request maximum, default 100000
	Schema                 *Schema       // nil: DefaultSchema()
	Accounts               int           // generate this many accounts at start (GenerateAccounts)
	Seed                   int64
	Now                    func() time.Time // default time.Now; "today" (UTC) for SOQL TODAY and the generator
	Faults                 Faults

	// PartnerShare is the share (0..1) of generated accounts given the
	// Partner record type; the others have Customer. DuplicateShare is the
	// share of generated accounts whose Name repeats an earlier account's
	// (in another letter case for some), so that the duplicate rule
	// catches writes to them. Both are drawn from the seed.
	PartnerShare, DuplicateShare float64

	// WriteLogLimit bounds the write log to the newest entries; 0 keeps
	// every entry. `lifecycled emulate` sets it so a long benchmark does not
	// grow without bound.
	WriteLogLimit int

	// Login host and environment (see loginhost.go). LoginHost is the host
	// the token endpoint plays: "" (default) plays the org's My Domain,
	// where every grant is allowed; "login.salesforce.com" or
	// "test.salesforce.com" refuse the client_credentials grant with 400
	// invalid_grant "request not supported on this domain", as Salesforce
	// does. Sandbox makes the org a sandbox: the JWT bearer audience it
	// accepts is https://test.salesforce.com instead of
	// https://login.salesforce.com.
	LoginHost string
	Sandbox   bool

	// Scale: Bulk API 2.0 query jobs and query timeouts (bulkquery.go,
	// selectivity.go). QueryTimeoutRows > 0 makes a REST query or queryAll
	// without a selective WHERE clause, over an object with more rows than
	// this, fail with 400 QUERY_TIMEOUT; 0 turns it off.
	// BulkPollsToComplete is how many job-info reads (GET
	// /jobs/query/{id}) a query job takes to reach JobComplete: 0 or 1
	// completes it at the first read, n > 1 shows InProgress n-1 times
	// first. Results reflect the records when the job completes.
	QueryTimeoutRows int
	// Bulk API 2.0 ingest jobs (bulkingest.go) count the same reads:
	// UploadComplete, then InProgress, before the next read finds the job
	// processed; 0 processes an ingest job when its upload completes.
	BulkPollsToComplete int
}

// DefaultTokenLifetime and DefaultAPILimit apply when Options leave them zero.
const (
	DefaultTokenLifetime = 2 * time.Hour
	DefaultAPILimit      = 100000
)

// Server is a running emulator. All methods are safe for concurrent use.
type Server struct {
	opts   Options
	schema *Schema
	ln     net.Listener
	srv    *http.Server
	url    string
	close  sync.Once

	mu         sync.RWMutex // guards tables, writes, failIDs, invalidIDs, readOnly
	tables     map[string]*table
	writes     writeLog
	failIDs    map[string]bool // FailTrigger: canonical 15-character IDs
	invalidIDs map[string]bool // FailValidation: canonical 15-character IDs
	readOnly   map[string]bool // SetFieldEditable false: "Object.Field"
	inactive   map[string]bool // DeactivateUser: canonical 15-character user IDs
	createRule []createRule    // FailValidationWhere (create.go)

	auth      authState
	cursors   cursorSet
	queryJobs queryJobSet // Bulk API 2.0 query jobs (bulkquery.go)
	ingest    ingestState // Bulk API 2.0 ingest jobs (bulkingest.go)
	stats     statsState
	faults    faultState
}

// NewServer starts a server on a free loopback port, like
// httptest.NewServer, and panics if it cannot listen.
func NewServer(opts Options) *Server {
	s, err := Start("127.0.0.1:0", opts)
	if err != nil {
		panic("sftest: " + err.Error())
	}
	return s
}

// Start starts a server listening on addr (host:port; port 0 picks one).
func Start(addr string, opts Options) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second}
	go s.srv.Serve(ln) //nolint:errcheck // returns http.ErrServerClosed on Close
	return s, nil
}

func newServer(opts Options) (*Server, error) {
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = DefaultTokenLifetime
	}
	if opts.APILimit <= 0 {
		opts.APILimit = DefaultAPILimit
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Schema == nil {
		opts.Schema = DefaultSchema()
	}
	for _, share := range []float64{opts.PartnerShare, opts.DuplicateShare} {
		if !(share >= 0 && share <= 1) {
			return nil, fmt.Errorf("options: PartnerShare and DuplicateShare must be from 0 to 1, not %v", share)
		}
	}
	if opts.Schema.byName == nil { // built by hand, not by ParseSchema
		if err := opts.Schema.init(); err != nil {
			return nil, fmt.Errorf("schema: %w", err)
		}
	}
	s := &Server{opts: opts, schema: opts.Schema, tables: map[string]*table{}}
	for _, o := range s.schema.Objects {
		s.tables[o.Name] = newTable(o)
	}
	s.writes.limit = opts.WriteLogLimit
	s.stats.init(opts.APILimit)
	s.faults.set(opts.Faults)
	if err := s.auth.init(opts); err != nil {
		return nil, err
	}
	if opts.Accounts > 0 {
		t, ok := s.tables["Account"]
		if !ok {
			return nil, fmt.Errorf("generate %d accounts: the schema has no Account object", opts.Accounts)
		}
		s.generateInto(t, opts.Accounts)
	}
	return s, nil
}

// URL returns the instance URL, which is also the login URL, e.g.
// http://127.0.0.1:41234.
func (s *Server) URL() string { return s.url }

// TokenURL returns the OAuth 2.0 token endpoint.
func (s *Server) TokenURL() string { return s.url + "/services/oauth2/token" }

// Close stops the server. It is safe to call more than once.
func (s *Server) Close() {
	s.close.Do(func() {
		if s.srv != nil {
			s.srv.Close()
		}
		s.cursors.releaseAll()
	})
}

func (s *Server) now() time.Time { return s.opts.Now() }

// today is the UTC date of now, the "today" of SOQL date literals.
func (s *Server) today() time.Time { return s.now().UTC() }

// Supported API versions: 31.0 (Summer '14) to 66.0 (Spring '26).
const (
	minVersion = 31
	maxVersion = 66
)

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Every response carries the server's time (RFC 9110, section 6.6.1), on
	// the emulator's clock, as Salesforce's responses carry its own.
	w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
	p := r.URL.Path
	switch {
	case p == "/services/oauth2/token":
		rec := s.record(w, "token")
		s.handleToken(rec, r)
		rec.done()
	case p == "/services/data" || p == "/services/data/":
		rec := s.record(w, "versions")
		s.handleVersions(rec, r)
		rec.done()
	case strings.HasPrefix(p, "/services/data/v"):
		s.serveData(w, r)
	default:
		rec := s.record(w, "other")
		writeErrors(rec, http.StatusNotFound, notFound())
		rec.done()
	}
}

// route is a /services/data resource: the endpoint name used in Stats and
// its handler.
type route struct {
	endpoint string
	handle   func(w http.ResponseWriter, r *http.Request, version string, rest []string)
}

func (s *Server) route(method string, rest []string) (route, bool) {
	n := len(rest)
	switch {
	case n == 0 || (n == 1 && rest[0] == ""):
		return route{"resources", s.handleResources}, method == http.MethodGet
	case n == 1 && rest[0] == "sobjects":
		return route{"describeGlobal", s.handleDescribeGlobal}, method == http.MethodGet
	case n == 1 && rest[0] == "limits":
		return route{"limits", s.handleLimits}, method == http.MethodGet
	case n == 1 && (rest[0] == "query" || rest[0] == "queryAll"):
		return route{rest[0], s.handleQuery}, method == http.MethodGet
	case n == 2 && (rest[0] == "query" || rest[0] == "queryAll"):
		return route{"queryMore", s.handleQueryMore}, method == http.MethodGet
	case n == 3 && rest[0] == "sobjects" && rest[2] == "describe":
		return route{"describe", s.handleDescribe}, method == http.MethodGet
	case n == 3 && rest[0] == "sobjects":
		return route{"sobject", s.handleRecord}, method == http.MethodGet || method == http.MethodPatch
	case n == 2 && rest[0] == "composite" && rest[1] == "sobjects" && method == http.MethodPost:
		return route{"collectionsCreate", s.handleCollectionsCreate}, true
	case n == 2 && rest[0] == "composite" && rest[1] == "sobjects":
		return route{"collections", s.handleCollections}, method == http.MethodPatch
	case n == 2 && rest[0] == "sobjects" && method == http.MethodPost:
		return route{"create", s.handleCreate}, true
	case n >= 2 && n <= 4 && rest[0] == "jobs" && rest[1] == "query":
		return s.bulkQueryRoute(method, rest)
	case n >= 2 && rest[0] == "jobs" && rest[1] == "ingest":
		return s.ingestRoute(method, rest[2:])
	case (n == 5 || n == 6) && rest[0] == "ui-api" && rest[1] == "object-info" && rest[3] == "picklist-values":
		return route{"picklistValues", s.handlePicklistValues}, method == http.MethodGet
	}
	return route{"other", nil}, false
}

// serveData serves /services/data/vNN.N/...: faults, the session check, the
// API limit, then the resource.
func (s *Server) serveData(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/services/data/"), "/")
	version := strings.TrimPrefix(parts[0], "v")
	rt, allowed := s.route(r.Method, parts[1:])
	rec := s.record(w, rt.endpoint)
	defer rec.done()

	plan := s.faults.draw()
	if rt.endpoint == "create" || rt.endpoint == "collectionsCreate" {
		plan.reset = plan.reset || s.faults.resetCreate()
	}
	if plan.slow > 0 {
		t := time.NewTimer(plan.slow)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			rec.count(499) // the client went away
			return
		}
	}
	if plan.pre != nil {
		plan.pre(rec)
		return
	}
	if !s.auth.valid(bearer(r), s.now()) {
		writeErrors(rec, http.StatusUnauthorized, invalidSession())
		return
	}
	if !validVersion(version) {
		writeErrors(rec, http.StatusNotFound, notFound())
		return
	}
	used, ok := s.stats.take()
	rec.Header().Set("Sforce-Limit-Info", "api-usage="+strconv.Itoa(used)+"/"+strconv.Itoa(s.stats.max()))
	if !ok {
		writeErrors(rec, http.StatusForbidden, limitExceeded())
		return
	}
	if rt.handle == nil {
		writeErrors(rec, http.StatusNotFound, notFound())
		return
	}
	if !allowed {
		writeErrors(rec, http.StatusMethodNotAllowed, apiError{Code: "METHOD_NOT_ALLOWED",
			Message: "HTTP Method '" + r.Method + "' not allowed."})
		return
	}
	if plan.reset || plan.truncate {
		buf := newBufferedWriter(rec.Header())
		rt.handle(buf, r, version, parts[1:])
		if plan.reset {
			rec.count(0) // the client sees no status
			buf.reset(w)
			return
		}
		buf.truncate(rec)
		return
	}
	rt.handle(rec, r, version, parts[1:])
}

func validVersion(v string) bool {
	major, minor, ok := strings.Cut(v, ".")
	if !ok || minor != "0" {
		return false
	}
	n, err := strconv.Atoi(major)
	return err == nil && n >= minVersion && n <= maxVersion
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		return strings.TrimSpace(h[7:])
	}
	if len(h) > 6 && strings.EqualFold(h[:6], "OAuth ") {
		return strings.TrimSpace(h[6:])
	}
	return ""
}

// recorder counts a request in Stats under its endpoint with the status it
// answers, when the status is written: before the client can read the
// response, so a test that reads Stats after a response sees it counted.
type recorder struct {
	http.ResponseWriter
	s        *Server
	endpoint string
	counted  bool
}

func (s *Server) record(w http.ResponseWriter, endpoint string) *recorder {
	return &recorder{ResponseWriter: w, s: s, endpoint: endpoint}
}

// count counts the request once with status (0: the connection was cut).
func (r *recorder) count(status int) {
	if !r.counted {
		r.counted = true
		r.s.stats.count(r.endpoint, status)
	}
}

// done counts a request that wrote nothing as a 200, as net/http answers it.
func (r *recorder) done() { r.count(http.StatusOK) }

func (r *recorder) WriteHeader(code int) {
	r.count(code)
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.count(http.StatusOK)
	return r.ResponseWriter.Write(b)
}
