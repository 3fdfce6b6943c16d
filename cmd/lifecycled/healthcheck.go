package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// defaultReadyzURL is where healthcheck asks when nothing says otherwise:
// the default server.listen.
const defaultReadyzURL = "http://127.0.0.1:9090/readyz"

// runHealthcheck is `lifecycled healthcheck`: GET /readyz of the running
// daemon; exit 0 when it answers ready, 1 otherwise. Docker's HEALTHCHECK
// runs it, so it needs no config file: the URL comes from --url, else
// LIFECYCLED_HEALTHCHECK_URL, else the config's server.listen (when the
// file exists), else the default address.
func runHealthcheck(ctx context.Context, args []string, s stdio) error {
	fs := newFlagSet("healthcheck", "healthcheck [--url URL] [--config FILE] [--timeout D]", s)
	url := fs.String("url", os.Getenv("LIFECYCLED_HEALTHCHECK_URL"),
		"the daemon's /readyz URL (env LIFECYCLED_HEALTHCHECK_URL; default: from server.listen, else "+defaultReadyzURL+")")
	configPath := fs.String("config", envOr("LIFECYCLED_CONFIG", "./lifecycled.yaml"), "config file whose server.listen to ask (env LIFECYCLED_CONFIG)")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *timeout <= 0 {
		fs.Usage()
		return errUsage
	}
	target := *url
	if target == "" {
		var err error
		if target, err = readyzFromConfig(*configPath); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("--url %q: %w", target, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		var uerr *neturl.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL is named once, below
		}
		return fmt.Errorf("%s: not ready: %w", target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var rd struct {
		Ready  bool   `json:"ready"`
		Reason string `json:"reason"`
	}
	reason := strings.TrimSpace(string(body))
	if json.Unmarshal(body, &rd) == nil && rd.Reason != "" {
		reason = rd.Reason
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: not ready (%s): %s", target, resp.Status, reason)
	}
	_, err = fmt.Fprintf(s.out, "%s: ready: %s\n", target, reason)
	return err
}

// readyzFromConfig returns the /readyz URL of the config's server.listen,
// or the default when the file does not exist or sets no address. It reads
// only that key, so a config whose secrets come from variables the
// healthcheck's environment lacks still works.
func readyzFromConfig(path string) (string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return defaultReadyzURL, nil
	}
	if err != nil {
		return "", fmt.Errorf("config %s: %w", path, err)
	}
	var doc struct {
		Server struct {
			Listen string `yaml:"listen"`
		} `yaml:"server"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return "", fmt.Errorf("config %s: %w", path, err)
	}
	listen := strings.TrimSpace(os.Expand(doc.Server.Listen, os.Getenv))
	if listen == "" {
		return defaultReadyzURL, nil
	}
	return readyzURL(listen)
}

// readyzURL maps a listen address to the URL a local client asks: a
// wildcard host (":9090", "0.0.0.0:9090", "[::]:9090") is asked on loopback.
func readyzURL(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("server.listen %q: %w", listen, err)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz", nil
}
