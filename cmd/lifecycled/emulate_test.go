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
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEmulateBinary starts `lifecycled emulate` on a free port, reads the
// first line, gets a token, runs a query, then stops it with SIGINT.
func TestEmulateBinary(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, mustBinary(t), "emulate", "--addr", "127.0.0.1:0", "--accounts", "2500", "--seed", "1",
		"--client-id", "emu-test", "--client-secret", "emu-secret")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill() //nolint:errcheck // a no-op once it has exited

	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("read the first line: %v (stderr: %s)", err, stderr.String())
	}
	var info map[string]any
	if err := json.Unmarshal([]byte(line), &info); err != nil {
		t.Fatalf("first line %q is not JSON: %v", line, err)
	}
	instance, _ := info["instance_url"].(string)
	tokenURL, _ := info["token_url"].(string)
	if !strings.HasPrefix(instance, "http://127.0.0.1:") || strings.HasSuffix(instance, ":0") ||
		tokenURL != instance+"/services/oauth2/token" || info["client_id"] != "emu-test" || info["client_secret"] != "emu-secret" ||
		len(info) != 4 {
		t.Fatalf("first line = %s", line)
	}

	resp, err := http.PostForm(tokenURL, url.Values{"grant_type": {"client_credentials"}, "client_id": {"emu-test"}, "client_secret": {"emu-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("token: status %d, %v", resp.StatusCode, err)
	}
	req, _ := http.NewRequest(http.MethodGet, instance+"/services/data/v62.0/query?q="+url.QueryEscape("SELECT Id, Name FROM Account"), nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		TotalSize      int              `json:"totalSize"`
		Done           bool             `json:"done"`
		NextRecordsURL string           `json:"nextRecordsUrl"`
		Records        []map[string]any `json:"records"`
	}
	err = json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	if err != nil || page.TotalSize != 2500 || page.Done || len(page.Records) != 2000 || page.NextRecordsURL == "" {
		t.Fatalf("query: %v, totalSize %d, done %v, %d records", err, page.TotalSize, page.Done, len(page.Records))
	}
	if got := resp.Header.Get("Sforce-Limit-Info"); got != "api-usage=1/100000" {
		t.Fatalf("Sforce-Limit-Info = %q", got)
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, stdout) //nolint:errcheck // drain until exit
	if err := cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("exit code %d after SIGINT (stderr: %s)", ee.ExitCode(), stderr.String())
		}
		t.Fatal(err)
	}
	if _, err := http.Get(instance + "/services/data/"); err == nil {
		t.Fatal("the emulator still answers after exiting")
	}
}

func TestEmulateFlagErrors(t *testing.T) {
	dir := t.TempDir()
	badSchema := filepath.Join(dir, "schema.json")
	if err := os.WriteFile(badSchema, []byte(`{"objects":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"NotLoopback", []string{"--addr", "0.0.0.0:0"}, 1, "loopback only"},
		{"BadAddr", []string{"--addr", "nowhere"}, 1, "--addr"},
		{"BadFaults", []string{"--addr", "127.0.0.1:0", "--faults", "503=2"}, 1, "--faults"},
		{"BadSchema", []string{"--addr", "127.0.0.1:0", "--schema", badSchema}, 1, "--schema"},
		{"MissingSchema", []string{"--addr", "127.0.0.1:0", "--schema", filepath.Join(dir, "none.json")}, 1, "--schema"},
		{"UnknownFlag", []string{"--nope"}, 2, "Usage: lifecycled emulate"},
		{"NegativeAccounts", []string{"--addr", "127.0.0.1:0", "--accounts", "-1"}, 2, "--accounts"},
		{"ExtraArgument", []string{"--addr", "127.0.0.1:0", "extra"}, 2, "unexpected argument"},
		{"HostWithScheme", []string{"--addr", "127.0.0.1:0", "--host", "https://login.salesforce.com"}, 1, "login host"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runBinary(t, nil, nil, append([]string{"emulate"}, tc.args...)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, tc.code, tc.want)
			}
			if r.stdout != "" {
				t.Fatalf("stdout = %q, want nothing", r.stdout)
			}
		})
	}
}

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{"127.0.0.1:8443": true, "[::1]:0": true, "localhost:80": true, "127.0.0.2:1": true,
		"0.0.0.0:1": false, ":8443": false, "10.0.0.1:1": false, "example.com:1": false} {
		if err := checkLoopback(addr); (err == nil) != ok {
			t.Errorf("checkLoopback(%q) = %v, want ok %v", addr, err, ok)
		}
	}
}
