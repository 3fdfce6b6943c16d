package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/lifecycled/lifecycled/internal/store"
)

func TestSumByStatus(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	accounts := []struct {
		id     string
		status *string
		record string
	}{
		{"001A", ptr("Renewal-High Risk"), `{"AnnualRevenue": 1000.5, "Name": "a"}`},
		{"001B", ptr("Renewal-High Risk"), `{"AnnualRevenue": 2000}`},
		{"001C", ptr("Renewal-High Risk"), `{"AnnualRevenue": null}`}, // null: no value
		{"001D", ptr("Renewal-Low Risk"), `{"AnnualRevenue": "12"}`},  // text: no value
		{"001E", ptr("Renewal-Low Risk"), `{"Other": 5}`},             // missing
		{"001F", ptr("Core-Good"), `{"AnnualRevenue": -250.25}`},      // negative counts
		{"001G", nil, `{"AnnualRevenue": 7}`},                         // no status
		{"001H", ptr("Core-Good"), `not json`},                        // malformed record
	}
	var changes []store.Change
	for _, a := range accounts {
		changes = append(changes, store.Change{Account: store.Account{
			ID: a.id, Record: json.RawMessage(a.record), DesiredStatus: a.status,
		}})
	}
	MustApply(t, db, changes...)

	got, err := db.SumByStatus(ctx, "AnnualRevenue")
	if err != nil {
		t.Fatalf("sum by status: %v", err)
	}
	want := map[string]store.StatusSum{
		"Renewal-High Risk": {Accounts: 3, Valued: 2, Sum: 3000.5},
		"Renewal-Low Risk":  {Accounts: 2, Valued: 0, Sum: 0},
		"Core-Good":         {Accounts: 2, Valued: 1, Sum: -250.25},
		"":                  {Accounts: 1, Valued: 1, Sum: 7},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("sum by status = %v, want %v", got, want)
	}

	// The counts agree with StatusCounts.
	counts, err := db.StatusCounts(ctx)
	if err != nil {
		t.Fatalf("status counts: %v", err)
	}
	for status, n := range counts {
		if got[status].Accounts != n {
			t.Errorf("status %q: %d accounts, StatusCounts says %d", status, got[status].Accounts, n)
		}
	}

	t.Run("RejectsNonAPIName", func(t *testing.T) {
		for _, f := range []string{"", `A"B`, "a.b", "x') --"} {
			if _, err := db.SumByStatus(ctx, f); err == nil {
				t.Errorf("field %q: no error", f)
			}
		}
	})
}
