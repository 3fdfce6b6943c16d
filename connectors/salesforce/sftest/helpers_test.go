package sftest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const (
	testClientID     = "test-client"
	testClientSecret = "test-secret"
	testVersion      = "62.0"
)

// start is a fixed moment for tests: 2024-03-15 10:30:00 UTC.
var start = time.Date(2024, 3, 15, 10, 30, 0, 0, time.UTC)

// MustServer starts a server with the test client, a fixed clock and opts
// on top, and closes it when the test ends.
func MustServer(tb testing.TB, opts Options) (*Server, *Clock) {
	tb.Helper()
	clk := NewClock(start)
	if opts.ClientID == "" {
		opts.ClientID, opts.ClientSecret = testClientID, testClientSecret
	}
	if opts.Now == nil {
		opts.Now = clk.Now
	}
	s, err := Start("127.0.0.1:0", opts)
	if err != nil {
		tb.Fatalf("start: %v", err)
	}
	tb.Cleanup(s.Close)
	return s, clk
}

// MustToken gets an access token with the client credentials grant.
func MustToken(tb testing.TB, s *Server) string {
	tb.Helper()
	status, body := postForm(tb, s.TokenURL(), url.Values{
		"grant_type": {"client_credentials"}, "client_id": {testClientID}, "client_secret": {testClientSecret},
	})
	if status != http.StatusOK {
		tb.Fatalf("token: status %d: %s", status, body)
	}
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	mustJSON(tb, body, &tr)
	return tr.AccessToken
}

func postForm(tb testing.TB, u string, form url.Values) (int, []byte) {
	tb.Helper()
	resp, err := http.PostForm(u, form)
	if err != nil {
		tb.Fatalf("post %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("read %s: %v", u, err)
	}
	return resp.StatusCode, body
}

// response is what call returns.
type response struct {
	status int
	header http.Header
	body   []byte
}

// call sends a request to s with token tok (none when empty); body, when
// not nil, is sent as JSON (a string or []byte as is). Extra headers come
// in pairs.
func call(tb testing.TB, s *Server, tok, method, path string, body any, headers ...string) response {
	tb.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			tb.Fatalf("marshal body: %v", err)
		}
		rd = bytes.NewReader(data)
	}
	u := path
	if !strings.HasPrefix(u, "http") {
		u = s.URL() + path
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		tb.Fatalf("new request: %v", err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("read %s %s: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

func mustJSON(tb testing.TB, data []byte, v any) {
	tb.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		tb.Fatalf("decode %s: %v", data, err)
	}
}

// queryPath is the query resource for q.
func queryPath(q string) string {
	return "/services/data/v" + testVersion + "/query?q=" + url.QueryEscape(q)
}

// queryResult is a decoded query response.
type queryResult struct {
	TotalSize      int              `json:"totalSize"`
	Done           bool             `json:"done"`
	NextRecordsURL string           `json:"nextRecordsUrl"`
	Records        []map[string]any `json:"records"`
}

// apiErrors decodes a REST error body.
func apiErrors(tb testing.TB, body []byte) []errorItem {
	tb.Helper()
	var items []errorItem
	mustJSON(tb, body, &items)
	if len(items) == 0 {
		tb.Fatalf("no error items in %s", body)
	}
	return items
}

// firstID returns the Id of the first live Account.
func firstID(tb testing.TB, s *Server) string {
	tb.Helper()
	recs := s.Records("Account")
	if len(recs) == 0 {
		tb.Fatal("no accounts")
	}
	return recs[0]["Id"].(string)
}
