package salesforce

import (
	"fmt"
	"net/url"
	"strings"
)

// The JWT bearer audiences Salesforce accepts: "the authorization server's
// URL", https://login.salesforce.com for production and
// https://test.salesforce.com for a sandbox, also when the token request
// goes to the org's My Domain ("OAuth 2.0 JWT Bearer Flow for
// Server-to-Server Integration",
// https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_jwt_flow.htm).
const (
	ProductionAudience = "https://login.salesforce.com"
	SandboxAudience    = "https://test.salesforce.com"
)

// Token endpoint error descriptions that Hint explains.
const (
	// descDomain is what login.salesforce.com and test.salesforce.com
	// answer a client credentials request: the flow is served on the org's
	// My Domain only
	// (https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_client_credentials_flow.htm).
	descDomain = "request not supported on this domain"
	// descAudience is the answer to a JWT whose aud is not the org's
	// login server.
	descAudience = "audience is invalid"
)

// DefaultAudience returns the JWT bearer audience for a login URL:
// https://test.salesforce.com when the host is test.salesforce.com or a
// sandbox My Domain (NAME--SANDBOX.sandbox.my.salesforce.com), else
// https://login.salesforce.com (production, a production My Domain, or a
// host it cannot tell). A My Domain URL is never the audience: Salesforce
// refuses it with "audience is invalid".
func DefaultAudience(loginURL string) string {
	u, err := url.Parse(strings.TrimSpace(loginURL))
	if err != nil {
		return ProductionAudience
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "test.salesforce.com" || strings.HasSuffix(host, ".sandbox.my.salesforce.com") {
		return SandboxAudience
	}
	return ProductionAudience
}

// authHint returns what to change when the token endpoint's answer says it,
// or "": for a client credentials request refused on a generic login host,
// the My Domain login URL to use; for a refused JWT audience, the audience
// to use. It quotes only the login URL and the audience, never a secret.
func authHint(flow, desc, loginURL, audience string) string {
	desc = strings.ToLower(strings.TrimSpace(desc))
	switch {
	case flow == FlowClientCredentials && desc == descDomain:
		return fmt.Sprintf("the client credentials flow is served only on the org's My Domain: "+
			"set the login URL to https://NAME.my.salesforce.com (a sandbox: https://NAME--SANDBOX.sandbox.my.salesforce.com; "+
			"Setup > My Domain shows it), not %s", loginURL)
	case flow == FlowJWTBearer && desc == descAudience:
		switch strings.TrimSuffix(audience, "/") {
		case ProductionAudience:
			return fmt.Sprintf("the JWT audience was %s (production); a sandbox needs %s", audience, SandboxAudience)
		case SandboxAudience:
			return fmt.Sprintf("the JWT audience was %s (sandbox); a production org needs %s", audience, ProductionAudience)
		}
		return fmt.Sprintf("the JWT audience was %q; use %s for production or %s for a sandbox, even with a My Domain login URL",
			audience, ProductionAudience, SandboxAudience)
	}
	return ""
}
