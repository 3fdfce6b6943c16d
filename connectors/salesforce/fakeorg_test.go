package salesforce

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeOrg is a bare HTTP server for faults the emulator cannot produce
// (odd error bodies, echoed secrets, requests that hang): a token endpoint
// for the client_credentials flow and a handler per test for everything
// under /services/data.
type fakeOrg struct {
	srv       *httptest.Server
	tokens    atomic.Int64 // token requests
	data      atomic.Int64 // /services/data requests
	rejectAll atomic.Bool  // the token endpoint answers 400 invalid_grant
	handler   http.HandlerFunc
}

const (
	fakeClientID     = "fake-client-id"
	fakeClientSecret = "fake-client-secret-Zq81"
	fakeTokenPrefix  = "00Dfake!ARtoken"
)

func newFakeOrg(t *testing.T, handler http.HandlerFunc) *fakeOrg {
	t.Helper()
	f := &fakeOrg{handler: handler}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeOrg) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == tokenPath {
		f.tokens.Add(1)
		r.ParseForm()
		if f.rejectAll.Load() || r.PostForm.Get("client_secret") != fakeClientSecret {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_grant","error_description":"authentication failure"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{
			"access_token": fmt.Sprintf("%s%d", fakeTokenPrefix, f.tokens.Load()),
			"instance_url": f.srv.URL, "token_type": "Bearer",
		})
		return
	}
	f.data.Add(1)
	w.Header().Set("Sforce-Limit-Info", fmt.Sprintf("api-usage=%d/1000", f.data.Load()))
	f.handler(w, r)
}

// open returns an open client_credentials Client for f with a fast retry
// policy; edit adjusts the options first.
func (f *fakeOrg) open(t *testing.T, edit func(*Options)) *Client {
	t.Helper()
	opts := Options{
		LoginURL: f.srv.URL, Flow: FlowClientCredentials, ClientID: fakeClientID, ClientSecret: fakeClientSecret,
		Retry: RetryPolicy{InitialInterval: time.Millisecond, MaxInterval: 2 * time.Millisecond, MaxElapsedTime: 100 * time.Millisecond},
	}
	if edit != nil {
		edit(&opts)
	}
	c := New(opts)
	if err := c.Open(context.Background()); err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// reply writes status, content type and body.
func reply(w http.ResponseWriter, status int, contentType, body string) {
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

// captureStdLog sends the standard log package's output (where simpleforce
// writes, stderr by default) to a buffer for the rest of the test.
func captureStdLog(t *testing.T) *syncBuffer {
	t.Helper()
	buf := &syncBuffer{}
	prev := log.Writer()
	log.SetOutput(buf)
	t.Cleanup(func() { log.SetOutput(prev) })
	return buf
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newTestLogger returns a debug-level text logger writing to a buffer.
func newTestLogger() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// assertNoSecrets fails when s contains any of secrets.
func assertNoSecrets(t *testing.T, what, s string, secrets ...string) {
	t.Helper()
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			t.Errorf("%s contains the secret %q: %s", what, sec, s)
		}
	}
}
