package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// VersionError reports that the org does not serve the REST API version the
// client was made with (Options.APIVersion, lifecycled's
// salesforce.api_version). Salesforce answers a request under an unknown
// version 404 NOT_FOUND, the same answer as for an object that does not
// exist; the client tells the two apart by listing the versions the org
// serves. Err is that 404.
type VersionError struct {
	Version string   // the version the client asked for, "62.0"
	Served  []string // the versions the org serves, as it lists them
	Err     error
}

// Error names the setting, the version and the highest version the org
// serves: `salesforce.api_version "99.0" is not served by this org; the
// highest it serves is 66.0`.
func (e *VersionError) Error() string {
	msg := fmt.Sprintf("salesforce.api_version %q is not served by this org", e.Version)
	if h := highestVersion(e.Served); h != "" {
		msg += "; the highest it serves is " + h
	}
	return msg
}

// Unwrap returns the 404 that revealed the version.
func (e *VersionError) Unwrap() error { return e.Err }

// Versions returns the REST API versions the org's instance serves, as GET
// /services/data/ lists them ("List Available REST API Versions",
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_versions.htm:
// "You don't need authentication to retrieve the list of versions"; the
// Versions resource,
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_versions.htm).
// The request carries no token and, as the "Limit Info Header" page says of
// the Versions URI, does not count against the API limit. It needs the
// instance URL, so the client must be open.
func (c *Client) Versions(ctx context.Context) ([]string, error) {
	s, err := c.session()
	if err != nil {
		return nil, fmt.Errorf("list api versions: %w", err)
	}
	e, cancel := c.newEdge(ctx, "versions", "", nil, false)
	defer cancel()
	req, err := http.NewRequest(http.MethodGet, s.instance+"/services/data/", nil)
	if err != nil {
		return nil, fmt.Errorf("list api versions: %w", err)
	}
	resp, err := e.httpClient().Do(req)
	if eerr := e.result(); eerr != nil {
		return nil, fmt.Errorf("list api versions: %w", eerr)
	}
	if err != nil {
		return nil, fmt.Errorf("list api versions: %w", &TransportError{Op: "versions", Sent: e.wrote.Load(), Err: e.cause(err)})
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("list api versions: %w", err)
	}
	return parseVersions(body)
}

// parseVersions reads the Versions resource's JSON array of {label, url,
// version} and returns the versions in the order listed.
func parseVersions(body []byte) ([]string, error) {
	var list []struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("list api versions: %w: %v", ErrMalformedResponse, err)
	}
	out := make([]string, 0, len(list))
	for _, v := range list {
		if _, ok := versionNumber(v.Version); ok {
			out = append(out, v.Version)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("list api versions: %w: no version listed", ErrMalformedResponse)
	}
	return out, nil
}

// checkVersion turns err, the failure of a request under the client's API
// version, into a *VersionError when it is a 404 NOT_FOUND and the org does
// not list that version. Otherwise (another error, the version is served,
// or the list cannot be read) it returns nil and the caller keeps err.
func (c *Client) checkVersion(ctx context.Context, err error) *VersionError {
	if !isNotFound(err) {
		return nil
	}
	served, verr := c.Versions(ctx)
	if verr != nil {
		c.logger.Debug("cannot list api versions", "error", verr)
		return nil
	}
	want, ok := versionNumber(c.version)
	for _, v := range served {
		if n, vok := versionNumber(v); ok && vok && n == want {
			return nil
		}
	}
	return &VersionError{Version: c.version, Served: served, Err: err}
}

// highestVersion returns the highest of versions ("" for none).
func highestVersion(versions []string) string {
	best, bestN := "", -1.0
	for _, v := range versions {
		if n, ok := versionNumber(v); ok && n > bestN {
			best, bestN = v, n
		}
	}
	return best
}

// versionNumber parses "62.0" (or "v62.0") as a number to compare versions.
func versionNumber(v string) (float64, bool) {
	n, err := strconv.ParseFloat(strings.TrimPrefix(v, "v"), 64)
	return n, err == nil && n > 0
}

// isNotFound reports whether err is a 404 NOT_FOUND answer.
func isNotFound(err error) bool {
	var ap *APIError
	return errors.As(err, &ap) && ap.Status == http.StatusNotFound && ap.Code == "NOT_FOUND"
}
