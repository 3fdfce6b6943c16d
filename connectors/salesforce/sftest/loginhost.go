package sftest

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The generic login hosts and the JWT bearer audiences Salesforce accepts.
//
// A token request may go to login.salesforce.com (production),
// test.salesforce.com (sandboxes) or the org's My Domain login URL
// ("OAuth Endpoints and Redirect URIs",
// https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_endpoints.htm).
// The client credentials flow is served on the My Domain only: its page
// sends the token request to https://MyDomainName.my.salesforce.com
// ("OAuth 2.0 Client Credentials Flow for Server-to-Server Integration",
// https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_client_credentials_flow.htm),
// and the generic hosts answer 400 {"error":"invalid_grant",
// "error_description":"request not supported on this domain"} (the body
// clients report, e.g. https://github.com/pozil/pub-sub-api-node-client/issues/58
// against test.salesforce.com, fixed by using the org's My Domain).
//
// The JWT bearer flow's aud is "the authorization server's URL":
// https://login.salesforce.com, or https://test.salesforce.com for a
// sandbox ("OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration",
// https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_jwt_flow.htm;
// the page's third form, an Experience Cloud site URL, is not emulated).
// It stays so when the request goes to a My Domain: an org with a My Domain
// refuses its My Domain URL as aud with {"error":"invalid_grant",
// "error_description":"audience is invalid"} (reported by clients, e.g.
// https://github.com/omniphx/forrest/issues/302 and
// https://github.com/simple-salesforce/simple-salesforce/issues/672).
const (
	ProductionLoginHost = "login.salesforce.com"
	SandboxLoginHost    = "test.salesforce.com"

	productionAudience = "https://" + ProductionLoginHost
	sandboxAudience    = "https://" + SandboxLoginHost
)

var (
	errDomain   = oauthError{"invalid_grant", "request not supported on this domain"}
	errAudience = oauthError{"invalid_grant", "audience is invalid"}
)

// checkLoginHost validates Options.LoginHost: empty (a My Domain) or a bare
// host name, without a scheme, port, path or spaces.
func checkLoginHost(host string) error {
	if host == "" {
		return nil
	}
	if strings.ContainsAny(host, ":/?#@ \t") || strings.Trim(host, ".") != host {
		return fmt.Errorf("login host %q: want a host name such as %s", host, ProductionLoginHost)
	}
	return nil
}

// genericLoginHost reports whether the server plays login.salesforce.com or
// test.salesforce.com rather than the org's My Domain.
func (s *Server) genericLoginHost() bool {
	h := strings.ToLower(s.opts.LoginHost)
	return h == ProductionLoginHost || h == SandboxLoginHost
}

// audience is the one JWT aud the org accepts: https://test.salesforce.com
// for a sandbox (Options.Sandbox), else https://login.salesforce.com.
func (s *Server) audience() string {
	if s.opts.Sandbox {
		return sandboxAudience
	}
	return productionAudience
}

// validAudience accepts aud as a string, or an array of strings, holding
// the org's audience (a trailing slash allowed). Every other value fails,
// the other environment's login URL and the server's own URL included.
func (s *Server) validAudience(raw json.RawMessage) bool {
	var auds []string
	var one string
	if json.Unmarshal(raw, &one) == nil {
		auds = []string{one}
	} else if json.Unmarshal(raw, &auds) != nil {
		return false
	}
	want := s.audience()
	for _, a := range auds {
		if strings.TrimSuffix(a, "/") == want {
			return true
		}
	}
	return false
}
