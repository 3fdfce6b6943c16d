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
	if !strings.HasPrefix(uid, "005") || (len(uid) != 15 && len(uid) != 18) {
		return ""
	}
	for i := 0; i < len(uid); i++ {
		c := uid[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return ""
		}
	}
	if len(uid) == 15 {
		uid += caseSuffix(uid)
	}
	return uid
}

// caseSuffix returns the three characters that make a 15-character Id
// case-insensitive: for each block of five characters, a bit per
// upper-case letter, mapped through A-Z then 0-5 ("What is a Salesforce
// ID?", Salesforce Help article 000385585).
func caseSuffix(id string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
	out := make([]byte, 3)
	for block := 0; block < 3; block++ {
		mask := 0
		for i := 0; i < 5; i++ {
			if c := id[block*5+i]; c >= 'A' && c <= 'Z' {
				mask |= 1 << i
			}
		}
		out[block] = alphabet[mask]
	}
	return string(out)
}
