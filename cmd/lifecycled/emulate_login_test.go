package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifecycled/lifecycled/connectors/salesforce"
	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
)

// startEmulate runs `lifecycled emulate args...` in-process until the test
// ends and returns its first line and what it printed on stderr.
func startEmulate(t *testing.T, args ...string) (emulateInfo, *logBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr := &logBuffer{}
	done := make(chan error, 1)
	go func() {
		err := runEmulate(ctx, append([]string{"--addr", "127.0.0.1:0", "--accounts", "3"}, args...), stdio{out: pw, err: stderr})
		pw.CloseWithError(errors.New("emulate returned"))
		done <- err
	}()
	t.Cleanup(func() {
		cancel()
		go io.Copy(io.Discard, pr) //nolint:errcheck // drain until the pipe closes
		if err := <-done; err != nil {
			t.Errorf("emulate: %v", err)
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("read the first line: %v (stderr: %s)", err, stderr)
	}
	var info emulateInfo
	if err := json.Unmarshal([]byte(line), &info); err != nil {
		t.Fatalf("first line %q: %v", line, err)
	}
	return info, stderr
}

// TestEmulateLoginHost plays login.salesforce.com and test.salesforce.com
// with --host: the client credentials grant gets Salesforce's refusal and
// the connector's error says to use the My Domain; without --host the same
// grant works.
func TestEmulateLoginHost(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		refused bool
	}{
		{[]string{"--host", "login.salesforce.com"}, true},
		{[]string{"--host", "test.salesforce.com", "--sandbox"}, true},
		{nil, false},
		{[]string{"--host", "acme.my.salesforce.com"}, false},
	} {
		t.Run(strings.Join(append([]string{"Args"}, tc.args...), " "), func(t *testing.T) {
			info, stderr := startEmulate(t, tc.args...)
			resp, err := http.PostForm(info.TokenURL, url.Values{"grant_type": {"client_credentials"},
				"client_id": {info.ClientID}, "client_secret": {info.ClientSecret}})
			if err != nil {
				t.Fatal(err)
			}
			var body map[string]any
			err = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if !tc.refused {
				if resp.StatusCode != http.StatusOK || body["access_token"] == nil {
					t.Fatalf("client credentials: status %d, %v", resp.StatusCode, body)
				}
				return
			}
			if resp.StatusCode != http.StatusBadRequest || body["error"] != "invalid_grant" || body["error_description"] != "request not supported on this domain" {
				t.Fatalf("client credentials on %v: status %d, %v", tc.args, resp.StatusCode, body)
			}
			if !strings.Contains(stderr.String(), "plays "+tc.args[1]) {
				t.Errorf("stderr does not say which host it plays: %s", stderr)
			}
			c := salesforce.New(salesforce.Options{LoginURL: info.InstanceURL, Flow: salesforce.FlowClientCredentials,
				ClientID: info.ClientID, ClientSecret: info.ClientSecret})
			err = c.Open(context.Background())
			var ae *salesforce.AuthError
			if !errors.As(err, &ae) || !strings.Contains(err.Error(), "https://NAME.my.salesforce.com") {
				t.Fatalf("connector open = %v, want an AuthError with the My Domain hint", err)
			}
		})
	}
}

// TestEmulateSandboxAudience runs the JWT bearer flow through the connector
// against `emulate --sandbox`: the production audience is refused with a
// hint, https://test.salesforce.com is accepted; without --sandbox it is the
// other way round.
func TestEmulateSandboxAudience(t *testing.T) {
	keyPEM, certPEM, err := sftest.NewJWTKey()
	if err != nil {
		t.Fatal(err)
	}
	certFile := filepath.Join(t.TempDir(), "server.crt")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, sandbox := range []bool{true, false} {
		args := []string{"--username", "integration@example.com", "--jwt-cert", certFile}
		good, bad := salesforce.ProductionAudience, salesforce.SandboxAudience
		if sandbox {
			args = append(args, "--sandbox")
			good, bad = bad, good
		}
		info, _ := startEmulate(t, args...)
		open := func(aud string) error {
			c := salesforce.New(salesforce.Options{LoginURL: info.InstanceURL, Flow: salesforce.FlowJWTBearer,
				ClientID: info.ClientID, Username: "integration@example.com", PrivateKeyPEM: keyPEM, JWTAudience: aud})
			err := c.Open(context.Background())
			c.Close()
			return err
		}
		if err := open(good); err != nil {
			t.Errorf("sandbox %v, audience %s: %v", sandbox, good, err)
		}
		err := open(bad)
		var ae *salesforce.AuthError
		if !errors.As(err, &ae) || ae.Description != "audience is invalid" || !strings.Contains(ae.Hint, "needs "+good) {
			t.Errorf("sandbox %v, audience %s: %v, want audience is invalid with a hint naming %s", sandbox, bad, err, good)
		}
	}
}
