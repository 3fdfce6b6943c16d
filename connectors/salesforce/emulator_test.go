package salesforce

import (
	"bytes"
	"context"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
)

const (
	emuClientID     = "3MVG9emulator-client-id"
	emuClientSecret = "emulator-client-secret-7f3a"
	emuUsername     = "integration@example.com"
	emuPassword     = "emulator-password-Q2x9"
	emuRefreshToken = "5Aep861emulator-refresh-token"
)

// mustEmulator starts the emulator with the test credentials (unless opts
// set them) and closes it when the test ends.
func mustEmulator(t *testing.T, opts sftest.Options) *sftest.Server {
	t.Helper()
	if opts.ClientID == "" {
		opts.ClientID, opts.ClientSecret = emuClientID, emuClientSecret
	}
	srv := sftest.NewServer(opts)
	t.Cleanup(srv.Close)
	return srv
}

// mustClient opens a client_credentials Client on srv with a fast retry
// policy; edit adjusts the options first.
func mustClient(t *testing.T, srv *sftest.Server, edit func(*Options)) *Client {
	t.Helper()
	opts := Options{
		LoginURL: srv.URL(), APIVersion: "62.0", Flow: FlowClientCredentials,
		ClientID: emuClientID, ClientSecret: emuClientSecret,
		Retry: RetryPolicy{InitialInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond, MaxElapsedTime: 2 * time.Second},
	}
	if edit != nil {
		edit(&opts)
	}
	c := New(opts)
	if err := c.Open(context.Background()); err != nil {
		t.Fatalf("open (%s): %v", opts.Flow, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func mustKeyCert(t *testing.T) (keyPEM, certPEM []byte) {
	t.Helper()
	keyPEM, certPEM, err := sftest.NewJWTKey()
	if err != nil {
		t.Fatal(err)
	}
	return keyPEM, certPEM
}

// queryAll runs soql and returns every record and the number of pages.
func queryAll(t *testing.T, c *Client, soql string) ([]Record, int) {
	t.Helper()
	var all []Record
	pages := 0
	err := c.Query(context.Background(), soql, func(p []Record) error {
		pages++
		all = append(all, p...)
		return nil
	})
	if err != nil {
		t.Fatalf("query %q: %v", soql, err)
	}
	return all, pages
}

// accountIDs returns the IDs of the emulator's accounts, sorted.
func accountIDs(srv *sftest.Server) []string {
	var ids []string
	for _, r := range srv.Records("Account") {
		ids = append(ids, r["Id"].(string))
	}
	sort.Strings(ids)
	return ids
}

// statusCount returns how many requests to endpoint got status.
func statusCount(srv *sftest.Server, endpoint string, status int) int {
	return srv.Stats().Requests[endpoint][status]
}

// requests returns how many requests endpoint got, whatever their status.
func requests(srv *sftest.Server, endpoint string) int {
	n := 0
	for _, v := range srv.Stats().Requests[endpoint] {
		n += v
	}
	return n
}

// TestServerTime: the client reports Salesforce's clock from the Date header
// of the last response, not the host's.
func TestServerTime(t *testing.T) {
	clk := sftest.NewClock(time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC))
	srv := mustEmulator(t, sftest.Options{Now: clk.Now, Accounts: 3})
	c := mustClient(t, srv, nil)
	clk.Advance(time.Hour)
	queryAll(t, c, "SELECT Id FROM Account")
	if got, want := c.ServerTime(), clk.Now(); !got.Equal(want) {
		t.Fatalf("ServerTime() = %v, want %v", got, want)
	}
}

// TestRetriesAreWarned: a read retried after a transient failure leaves a
// warning, once per call, naming the operation.
func TestRetriesAreWarned(t *testing.T) {
	srv := mustEmulator(t, sftest.Options{Accounts: 50, Faults: sftest.Faults{Seed: 3, ServerUnavailable: 0.5}})
	var buf bytes.Buffer
	c := mustClient(t, srv, func(o *Options) {
		o.Logger = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	for i := 0; i < 5; i++ {
		queryAll(t, c, "SELECT Id FROM Account")
	}
	if srv.Stats().Requests["query"][503] == 0 {
		t.Fatal("the emulator injected no 503; the test proves nothing")
	}
	warned := 0
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if strings.Contains(line, `"msg":"transient failure; retrying"`) && strings.Contains(line, `"level":"WARN"`) {
			warned++
			if !strings.Contains(line, `"op":`) {
				t.Errorf("retry warning without the operation: %s", line)
			}
		}
	}
	if warned == 0 || warned > 5 {
		t.Fatalf("%d retry warnings for 5 queries, want 1 to 5:\n%s", warned, buf.String())
	}
}
