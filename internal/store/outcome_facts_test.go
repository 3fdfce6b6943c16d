package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/lifecycled/lifecycled/internal/store"
)

// TestFactsReadsMappedFields checks each field of a Fact against the
// stored record: a value of the wrong JSON type, a missing field, a field
// not mapped and a malformed record read as empty.
func TestFactsReadsMappedFields(t *testing.T) {
	db := MustOpen(t)
	records := map[string]string{
		"001A": `{"Name": "Acme", "R": "2027-03-01", "S": "2026-01-15", "L": "2026-11-30", "U": 12, "T": 40, "V": 1200.5}`,
		"001B": `{"Name": 7, "R": 20270301, "S": "2026-01-15T10:00:00.000+0000", "L": null, "U": "12", "T": 40.5, "V": null}`,
		"001C": `{"Other": true}`,
		"001D": `not json`,
		"001E": `{"Name": "Quote \"and\" comma, [x]", "R": "2027-02-30x", "U": -3, "V": 0}`,
	}
	status := map[string]*string{"001A": ptr("Core-Good"), "001E": ptr("Renewal-High Risk")}
	var changes []store.Change
	for id, rec := range records {
		changes = append(changes, store.Change{Account: store.Account{ID: id, Record: json.RawMessage(rec),
			DesiredStatus: status[id], CRMStatus: ptr("Core-Poor")}})
	}
	MustApply(t, db, changes...)

	got, err := db.Facts(context.Background(), store.FactFields{Renewal: "R", Start: "S", Activity: "L", Active: "U", Seats: "T", Value: "V"})
	if err != nil {
		t.Fatalf("facts: %v", err)
	}
	f := func(v float64) *float64 { return &v }
	want := []store.Fact{
		{ID: "001A", Name: "Acme", Status: "Core-Good", CRMStatus: "Core-Poor", Renewal: "2027-03-01", Start: "2026-01-15",
			Activity: "2026-11-30", Active: f(12), Seats: f(40), Value: f(1200.5)},
		{ID: "001B", CRMStatus: "Core-Poor", Seats: f(40.5)},
		{ID: "001C", CRMStatus: "Core-Poor"},
		{ID: "001D", CRMStatus: "Core-Poor"},
		{ID: "001E", Name: `Quote "and" comma, [x]`, Status: "Renewal-High Risk", CRMStatus: "Core-Poor", Active: f(-3), Value: f(0)},
	}
	if a, b := show(got), show(want); a != b {
		t.Fatalf("facts =\n%s\nwant\n%s", a, b)
	}

	// A field not mapped is always empty, even when the record has it.
	got, err = db.Facts(context.Background(), store.FactFields{Value: "V"})
	if err != nil {
		t.Fatalf("facts: %v", err)
	}
	if got[0].Renewal != "" || got[0].Active != nil || got[0].Value == nil || *got[0].Value != 1200.5 {
		t.Fatalf("facts with only the value mapped: %s", show(got[:1]))
	}
	if _, err := db.Facts(context.Background(), store.FactFields{Value: `V" ) --`}); err == nil {
		t.Fatal("a field that is not an API name was accepted")
	}
}

func show(fs []store.Fact) string {
	out := ""
	for _, f := range fs {
		n := func(p *float64) string {
			if p == nil {
				return "nil"
			}
			return fmt.Sprint(*p)
		}
		out += fmt.Sprintf("%s %q %q %q %s %s %s %s %s %s\n", f.ID, f.Name, f.Status, f.CRMStatus, f.Renewal, f.Start, f.Activity,
			n(f.Active), n(f.Seats), n(f.Value))
	}
	return out
}
