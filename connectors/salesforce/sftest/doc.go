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
// accounts fit in about 250 MB), a query cursor keeps the row numbers of
// its matches (4 bytes a record), and a page is rendered from the columns
// when it is requested.
//
// docs/salesforce-emulator.md describes every behaviour, the fault spec,
// the `lifecycled emulate` command and the known differences from a real
// org.
package sftest
