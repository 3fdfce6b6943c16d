package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/internal/server"
	"github.com/lifecycled/lifecycled/internal/store"
)

// mustReadyzServer serves /readyz over a state file whose only successful
// run ended age ago, with a one-minute interval, on a free loopback port.
func mustReadyzServer(t *testing.T, age time.Duration) (addr string) {
	t.Helper()
	ctx := context.Background()
	db := store.New(filepath.Join(t.TempDir(), "state.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r, err := db.StartRun(ctx, "full")
	if err != nil {
		t.Fatal(err)
	}
	r.Ended, r.Outcome = time.Now().Add(-age), store.OutcomeOK
	if err := db.FinishRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	s := server.New(server.Options{Listen: "127.0.0.1:0", Store: db, Interval: time.Minute})
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s.Addr()
}

func TestHealthcheckCommand(t *testing.T) {
	ready := mustReadyzServer(t, 10*time.Second)
	stale := mustReadyzServer(t, 10*time.Minute)
	noConfig := []string{"LIFECYCLED_CONFIG=" + filepath.Join(t.TempDir(), "absent.yaml"), "LIFECYCLED_HEALTHCHECK_URL="}

	t.Run("Ready", func(t *testing.T) {
		res := runBinary(t, noConfig, nil, "healthcheck", "--url", "http://"+ready+"/readyz")
		if res.code != 0 || !strings.Contains(res.stdout, "ready: the last successful sync cycle") {
			t.Fatalf("healthcheck = %d %q %q, want 0 ready", res.code, res.stdout, res.stderr)
		}
	})
	t.Run("NotReady", func(t *testing.T) {
		res := runBinary(t, noConfig, nil, "healthcheck", "--url", "http://"+stale+"/readyz")
		if res.code != 1 || !strings.Contains(res.stderr, "503") || !strings.Contains(res.stderr, "more than 3 intervals") {
			t.Fatalf("healthcheck = %d %q, want 1 with the reason", res.code, res.stderr)
		}
	})
	t.Run("NothingListening", func(t *testing.T) {
		start := time.Now()
		res := runBinary(t, noConfig, nil, "healthcheck", "--url", "http://"+freeAddr(t)+"/readyz", "--timeout", "2s")
		if res.code != 1 || !strings.Contains(res.stderr, "not ready") {
			t.Fatalf("healthcheck = %d %q, want 1", res.code, res.stderr)
		}
		if d := time.Since(start); d > 30*time.Second {
			t.Errorf("healthcheck took %s", d)
		}
	})
	t.Run("EnvironmentURL", func(t *testing.T) {
		env := append([]string{}, noConfig...)
		env = append(env, "LIFECYCLED_HEALTHCHECK_URL=http://"+ready+"/readyz")
		if res := runBinary(t, env, nil, "healthcheck"); res.code != 0 {
			t.Fatalf("healthcheck = %d %q", res.code, res.stderr)
		}
	})
	t.Run("ConfigListenWildcard", func(t *testing.T) {
		// A container listens on 0.0.0.0: the healthcheck asks loopback.
		_, port, _ := net.SplitHostPort(ready)
		cfg := filepath.Join(t.TempDir(), "config.yaml")
		// The secret's variable is unset here: only server.listen is read.
		yaml := fmt.Sprintf("salesforce:\n  auth:\n    client_secret: ${UNSET_SECRET_FOR_TEST}\nserver:\n  listen: 0.0.0.0:%s\n", port)
		if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		res := runBinary(t, []string{"LIFECYCLED_CONFIG=" + cfg, "LIFECYCLED_HEALTHCHECK_URL="}, nil, "healthcheck")
		if res.code != 0 || !strings.Contains(res.stdout, "http://127.0.0.1:"+port+"/readyz") {
			t.Fatalf("healthcheck = %d %q %q", res.code, res.stdout, res.stderr)
		}
	})
	t.Run("DefaultWithoutConfig", func(t *testing.T) {
		// No config file: the default listen address is asked. Whatever
		// answers there, the output names it.
		res := runBinary(t, noConfig, nil, "healthcheck", "--timeout", "2s")
		if !strings.Contains(res.stdout+res.stderr, "http://127.0.0.1:9090/readyz") {
			t.Fatalf("healthcheck = %d %q %q, want the default URL", res.code, res.stdout, res.stderr)
		}
	})
	t.Run("Usage", func(t *testing.T) {
		if res := runBinary(t, noConfig, nil, "healthcheck", "extra"); res.code != 2 {
			t.Errorf("healthcheck extra = %d, want 2", res.code)
		}
	})
}

func TestReadyzURL(t *testing.T) {
	for listen, want := range map[string]string{
		"127.0.0.1:9090": "http://127.0.0.1:9090/readyz",
		"0.0.0.0:8080":   "http://127.0.0.1:8080/readyz",
		":9090":          "http://127.0.0.1:9090/readyz",
		"[::]:9090":      "http://[::1]:9090/readyz",
		"10.1.2.3:9090":  "http://10.1.2.3:9090/readyz",
	} {
		got, err := readyzURL(listen)
		if err != nil || got != want {
			t.Errorf("readyzURL(%q) = %q, %v, want %q", listen, got, err, want)
		}
	}
	if _, err := readyzURL("9090"); err == nil {
		t.Error("readyzURL(9090): no error")
	}
}
