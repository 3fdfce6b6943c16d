package sftest

// Users of the emulated org. Every record carries CreatedById and
// LastModifiedById, lookups to User that Salesforce sets itself: "The API
// updates certain fields automatically, such as LastModifiedDate,
// LastModifiedById, and SystemModstamp" (update(), SOAP API Developer
// Guide, https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_update.htm;
// "System Fields", Object Reference,
// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/system_fields.htm).
//
// IntegrationUserID is the user every access token belongs to: writes
// through the API stamp it, and the token response's identity URL ends in
// it ({instance}/id/{orgId}/{userId}, "Identity URLs", Salesforce Help,
// https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_using_openid.htm).
// HumanUserID is the person who works in the UI: the test helpers Insert,
// Update and Delete and the account generator stamp it, so that a client
// can tell its own writes from other people's (LastModifiedById !=
// IntegrationUserID).
const (
	IntegrationUserID = "005Dn0000000001IAA"
	HumanUserID       = "005Dn0000000002IAA"
)

// modifiedBy returns the user a write logged with source stamps: "user"
// is HumanUserID, any API source the integration user.
func modifiedBy(source string) string {
	if source == "user" {
		return HumanUserID
	}
	return IntegrationUserID
}
