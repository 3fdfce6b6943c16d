// Package sftest is a Salesforce emulator in the spirit of net/http/httptest:
// NewServer starts an in-process HTTP server that speaks the parts of the
// Salesforce REST API lifecycled uses — the OAuth 2.0 token endpoint, the
// versions list, limits, describe, query and queryAll with pagination, single
// record and sObject Collections updates — with Salesforce's response shapes,
// error codes, API limit accounting and on-demand faults.
//
// Every behaviour follows a page of Salesforce's documentation; the page is
// cited next to the code and listed in docs/salesforce-emulator.md.
//
// Records are kept column by column with compact typed values (a million
// accounts fit in a few hundred megabytes), queries snapshot the matching
// rows into a cursor, and pages are streamed as JSON without building the
// page in memory.
package sftest
