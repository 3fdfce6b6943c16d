package salesforce

import (
	"net/url"
	"strings"
)

// UserID returns the integration user's 18-character Id, read from the
// identity URL in the last token response (its "id",
// https://{instance}/id/{orgId}/{userId}: "Identity URLs", Salesforce
// Help, https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_using_openid.htm).
// Records the connector writes carry it in LastModifiedById, so an
// incremental pull can skip them (LastModifiedById != UserID()). It is ""
// before Open, and when the token response had no usable id.
func (c *Client) UserID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.userID
}

// userIDFromIdentity returns the user Id at the end of an identity URL, or
// "" when id is not one: a URL whose path is /id/{orgId}/{userId} with a
// User Id (prefix 005, 15 or 18 letters and digits). A 15-character Id is
// returned in its 18-character form.
func userIDFromIdentity(id string) string {
	u, err := url.Parse(id)
	if err != nil {
		return ""
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 3 || parts[0] != "id" {
		return ""
	}
	uid := parts[2]
	if !strings.HasPrefix(uid, "005") || !ValidID(uid) {
		return ""
	}
	if len(uid) == 15 {
		uid += caseSuffix(uid)
	}
	return uid
}
