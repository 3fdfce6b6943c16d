package sftest

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func TestThresholdFollowsTheCheatSheet(t *testing.T) {
	for _, tc := range []struct {
		total  int
		custom bool
		want   int
	}{
		{50_000, false, 15_000},
		{1_200_000, false, 330_000},
		{2_500_000, false, 525_000},
		{10_000_000, false, 1_000_000},
		{1_000_000, true, 100_000},
		{2_000_000, true, 150_000},
		{6_000_000, true, 333_333},
	} {
		if got := threshold(tc.total, tc.custom); got != tc.want {
			t.Errorf("threshold(%d, custom %v) = %d, want %d", tc.total, tc.custom, got, tc.want)
		}
	}
}

func TestNonSelectiveQueryTimesOut(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 3000, Seed: 4, QueryTimeoutRows: 1000})
	tok := MustToken(t, s)
	recent := start.Add(-24 * time.Hour).Format("2006-01-02T15:04:05Z")
	id := firstID(t, s)
	const fields = "SELECT Id, Name, SystemModstamp FROM Account"
	for _, tc := range []struct {
		name, q   string
		selective bool
	}{
		{"FullPull", fields + " ORDER BY SystemModstamp, Id", false},
		{"FullPullWithLimit", fields + " ORDER BY SystemModstamp, Id LIMIT 2000", false},
		{"IncrementalSinceYesterday", fields + " WHERE SystemModstamp > " + recent + " ORDER BY SystemModstamp, Id", true},
		{"IncrementalSkippingOwnWrites", fields + " WHERE SystemModstamp > " + recent + " AND LastModifiedById != '" + IntegrationUserID + "' ORDER BY SystemModstamp, Id", true},
		{"SinceLongAgo", fields + " WHERE SystemModstamp > 2000-01-01T00:00:00Z", false},
		{"NegativeOnly", fields + " WHERE LastModifiedById != '" + IntegrationUserID + "'", false},
		{"UnindexedField", fields + " WHERE NPS__c > 5", false},
		{"ByID", fields + " WHERE Id = '" + id + "'", true},
		{"NotByID", fields + " WHERE NOT Id = '" + id + "'", false},
		{"OrOfSelective", fields + " WHERE Id = '" + id + "' OR SystemModstamp > " + recent, true},
		{"OrWithUnindexed", fields + " WHERE Id = '" + id + "' OR NPS__c > 5", false},
		{"AndWithOneSelective", fields + " WHERE NPS__c > 5 AND Id = '" + id + "'", true},
		{"NullIsNotIndexed", fields + " WHERE OwnerId = null", false},
		{"LeadingWildcard", fields + " WHERE Name LIKE '%Inc.'", false},
		{"TextRange", fields + " WHERE Name > 'M'", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, s, tok, http.MethodGet, queryPath(tc.q), nil)
			if tc.selective {
				if r.status != http.StatusOK {
					t.Fatalf("status %d, want 200: %s", r.status, r.body)
				}
				return
			}
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", r.status, r.body)
			}
			e := apiErrors(t, r.body)[0]
			if e.ErrorCode != "QUERY_TIMEOUT" || e.Message != "Your query request was running for too long." {
				t.Fatalf("error = %+v", e)
			}
		})
	}
}

func TestQueryTimeoutNeedsALargeObject(t *testing.T) {
	s, _ := MustServer(t, Options{Accounts: 900, Seed: 4, QueryTimeoutRows: 1000})
	tok := MustToken(t, s)
	r := call(t, s, tok, http.MethodGet, queryPath("SELECT Id FROM Account ORDER BY SystemModstamp, Id"), nil)
	if r.status != http.StatusOK {
		t.Fatalf("900 rows, limit 1000: status %d: %s", r.status, r.body)
	}
	var qr queryResult
	if err := json.Unmarshal(r.body, &qr); err != nil || qr.TotalSize != 900 {
		t.Fatalf("totalSize %d (%v)", qr.TotalSize, err)
	}
	off, _ := MustServer(t, Options{Accounts: 1500, Seed: 4})
	if r := call(t, off, MustToken(t, off), http.MethodGet, queryPath("SELECT Id FROM Account"), nil); r.status != http.StatusOK {
		t.Fatalf("QueryTimeoutRows 0: status %d", r.status)
	}
}
