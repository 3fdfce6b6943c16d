// Package salesforce is lifecycled's connector to one Salesforce org: it
// authenticates with OAuth 2.0 (golang.org/x/oauth2: client credentials,
// JWT bearer, refresh token, username-password), reads records through
// simpleforce (query with nextRecordsUrl, describe) and writes them through
// sObject Collections. Every failure it returns carries a Class (see
// Classify) so the engine can decide, without string matching, whether to
// retry now, retry later, stop spending API calls, reject a value or
// re-pull.
//
// The connector keeps no sync state: besides the current access token it
// remembers only the last API usage Salesforce reported and a call counter.
//
// # Why reads go through simpleforce this way
//
// simpleforce has no context support, logs through the standard log package
// (its Query logs the URL, SOQL included, whenever a request fails), its
// ParseSalesforceError indexes the first element of a JSON error array and
// so panics on "[]", and SObject.Describe returns nil for every failure.
// The connector keeps simpleforce for what it does well (building query and
// describe URLs, decoding query pages) and takes the wire away from it: for
// each attempt it builds a simpleforce.Client whose *http.Client has a
// RoundTripper owned by this package (the edge). The edge attaches the
// call's context and per-call timeout to the request, sets the bearer
// token, counts the call, records Sforce-Limit-Info and whether the request
// was written, and reads the whole body. Any failure (connection error,
// non-2xx status, unreadable or non-JSON body) is kept by the edge, parsed
// defensively into this package's errors, and simpleforce is handed a
// harmless `{}` 200 response instead. simpleforce therefore never sees an
// error, never reaches a log call or its error parser, and the connector
// reports the error the edge kept. Calls into simpleforce are also guarded
// by recover.
//
// Writes do not use simpleforce, which has no sObject Collections support:
// Update builds the PATCH itself and sends it through the same edge. Nor
// does RecordTypePicklists, as simpleforce has no User Interface API
// support: it makes its GET through the same edge.
//
// # Retries
//
// Reads (query pages, describe, record type picklists) are retried on
// ClassTransient failures with exponential backoff and jitter
// (cenkalti/backoff/v4, bounded by RetryPolicy.MaxElapsedTime); a query page that still fails fails the
// Query. Writes are retried only when Salesforce demonstrably did not
// process them (503, or a request that never left); any write whose outcome
// is unknown is returned as an *AmbiguousError and never sent again. A 401
// INVALID_SESSION_ID on any request gets one new token and one more try.
package salesforce
