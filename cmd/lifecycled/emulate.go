package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/lifecycled/lifecycled/connectors/salesforce/sftest"
)

// emulateWriteLog bounds the emulator's in-memory write log in a long run.
const emulateWriteLog = 100000

// emulateInfo is the first line `lifecycled emulate` prints: where the
// emulator listens and the client it accepts.
type emulateInfo struct {
	InstanceURL  string `json:"instance_url"`
	TokenURL     string `json:"token_url"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Username     string `json:"username,omitempty"` // only with --username
}

// runEmulate is `lifecycled emulate`: the Salesforce emulator of package
// sftest served standalone over plain HTTP on a loopback address until ctx
// is cancelled (SIGINT or SIGTERM). The first line on stdout is one JSON
// object with instance_url, token_url, client_id and client_secret.
func runEmulate(ctx context.Context, args []string, s stdio) error {
	fs := newFlagSet("emulate", "emulate [--addr HOST:PORT] [--accounts N] [--seed N] [--client-id ID] [--client-secret SECRET] "+
		"[--username U --password P] [--refresh-token T] [--jwt-cert FILE] [--host HOST] [--sandbox] [--schema FILE] [--faults SPEC] [--api-limit N]", s)
	addr := fs.String("addr", "127.0.0.1:8443", "loopback address to serve on (port 0 picks a free port)")
	accounts := fs.Int("accounts", 5000, "accounts to generate")
	seed := fs.Int64("seed", 1, "seed for the generated accounts")
	clientID := fs.String("client-id", demoClientID, "connected app client ID the token endpoint accepts")
	clientSecret := fs.String("client-secret", demoClientSecret, "client secret the token endpoint accepts")
	username := fs.String("username", "", "username for the password grant and the JWT bearer subject (empty: those grants fail)")
	password := fs.String("password", "", "password for the password grant")
	refreshToken := fs.String("refresh-token", "", "a refresh token the refresh_token grant accepts (empty: none)")
	rotate := fs.Bool("rotate-refresh-tokens", false, "the refresh_token grant returns a new refresh token and revokes the old one")
	jwtCert := fs.String("jwt-cert", "", "PEM certificate whose key signs JWT bearer assertions (empty: the JWT grant fails)")
	host := fs.String("host", "", "login host the token endpoint plays: empty plays the org's My Domain (every grant works); "+
		"login.salesforce.com or test.salesforce.com refuse the client_credentials grant, as Salesforce does")
	sandbox := fs.Bool("sandbox", false, "play a sandbox: the JWT bearer audience is https://test.salesforce.com instead of https://login.salesforce.com")
	schemaFile := fs.String("schema", "", "JSON schema file (default: Account with the fields of the default config)")
	faultSpec := fs.String("faults", "", `faults, e.g. "503=0.05,reset=0.02,slow=0.05,slow_delay=200ms,lockrow=0.05,seed=7"`)
	apiLimit := fs.Int("api-limit", sftest.DefaultAPILimit, "daily API request maximum")
	lifetime := fs.Duration("token-lifetime", sftest.DefaultTokenLifetime, "access token lifetime")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(s.err, "lifecycled emulate: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	if err := checkLoopback(*addr); err != nil {
		return err
	}
	if *accounts < 0 || *apiLimit <= 0 || *lifetime <= 0 || *clientID == "" {
		fmt.Fprintln(s.err, "lifecycled emulate: --accounts must be >= 0, --api-limit and --token-lifetime > 0, --client-id set")
		return errUsage
	}
	faults, err := sftest.ParseFaults(*faultSpec)
	if err != nil {
		return fmt.Errorf("--faults: %w", err)
	}
	opts := sftest.Options{
		ClientID: *clientID, ClientSecret: *clientSecret, Username: *username, Password: *password,
		RefreshToken: *refreshToken, RotateRefreshTokens: *rotate, TokenLifetime: *lifetime, APILimit: *apiLimit,
		Accounts: *accounts, Seed: *seed, Faults: faults, WriteLogLimit: emulateWriteLog,
		LoginHost: *host, Sandbox: *sandbox,
	}
	if *schemaFile != "" {
		data, err := os.ReadFile(*schemaFile)
		if err != nil {
			return fmt.Errorf("--schema: %w", err)
		}
		if opts.Schema, err = sftest.ParseSchema(data); err != nil {
			return fmt.Errorf("--schema %s: %w", *schemaFile, err)
		}
	}
	if *jwtCert != "" {
		if opts.JWTCertificatePEM, err = os.ReadFile(*jwtCert); err != nil {
			return fmt.Errorf("--jwt-cert: %w", err)
		}
	}

	started := time.Now()
	srv, err := sftest.Start(*addr, opts)
	if err != nil {
		return fmt.Errorf("start emulator: %w", err)
	}
	defer srv.Close()
	info := emulateInfo{InstanceURL: srv.URL(), TokenURL: srv.TokenURL(), ClientID: *clientID, ClientSecret: *clientSecret,
		Username: *username}
	line, err := json.Marshal(info)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(s.out, "%s\n", line); err != nil {
		return err
	}
	fmt.Fprintf(s.err, "lifecycled emulate: %d accounts at %s (ready in %s); stop with Ctrl-C\n",
		*accounts, srv.URL(), time.Since(started).Round(time.Millisecond))
	fmt.Fprintf(s.err, "lifecycled emulate: token endpoint plays %s; JWT audience %s\n", playedHost(*host, *sandbox), jwtAudience(*sandbox))
	<-ctx.Done()
	srv.Close()
	fmt.Fprintln(s.err, "lifecycled emulate: stopped")
	return nil
}

// checkLoopback refuses an address whose host is not a loopback address:
// the emulator speaks plain HTTP and prints its client secret.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--addr %q: the emulator serves plain HTTP on loopback only (127.0.0.1, ::1 or localhost)", addr)
}

// playedHost describes the login host the emulator's token endpoint plays.
func playedHost(host string, sandbox bool) string {
	switch {
	case host != "":
		return host
	case sandbox:
		return "a sandbox My Domain"
	}
	return "a My Domain"
}

// jwtAudience is the JWT bearer audience the emulator accepts.
func jwtAudience(sandbox bool) string {
	if sandbox {
		return "https://" + sftest.SandboxLoginHost
	}
	return "https://" + sftest.ProductionLoginHost
}
