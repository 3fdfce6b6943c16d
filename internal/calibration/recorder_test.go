package calibration_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/internal/calibration"
	"github.com/lifecycled/lifecycled/internal/store"
)

var fields = store.FactFields{Renewal: "Renewal_Date__c", Start: "Start_Date__c", Active: "Active_Users__c",
	Seats: "Licensed_Seats__c", Value: "ARR__c"}

// world keeps accounts in a real store the way the engine does: the record
// as pulled, the computed status, and a history entry per status change.
type world struct {
	t      *testing.T
	db     *store.DB
	rec    *calibration.Recorder
	status map[string]*string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	db := store.New(filepath.Join(t.TempDir(), "state.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &world{t: t, db: db, rec: &calibration.Recorder{DB: db, Fields: fields}, status: map[string]*string{}}
}

// set stores account id as computed on day: its record and status ("" none).
func (w *world) set(id, day string, rec map[string]any, status string) {
	w.t.Helper()
	raw, err := json.Marshal(rec)
	if err != nil {
		w.t.Fatal(err)
	}
	var st *string
	if status != "" {
		st = &status
	}
	ch := store.Change{Account: store.Account{ID: id, Record: raw, DesiredStatus: st, AsOf: day, RulesVersion: "v"}}
	prev, seen := w.status[id]
	if !seen && st != nil || seen && !eq(prev, st) {
		ch.History = []store.HistoryEntry{{Kind: "change", From: prev, To: st, At: time.Now(), AsOf: day}}
	}
	w.status[id] = st
	if err := w.db.Apply(context.Background(), []store.Change{ch}); err != nil {
		w.t.Fatal(err)
	}
}

func eq(a, b *string) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

func (w *world) record(day string) calibration.Pass {
	w.t.Helper()
	p, err := w.rec.Record(context.Background(), day)
	if err != nil {
		w.t.Fatal(err)
	}
	return p
}

func (w *world) outcomes() []store.Outcome {
	w.t.Helper()
	out, err := w.db.Outcomes(context.Background(), "")
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

func day(s string, add int) string {
	d, _ := time.Parse(time.DateOnly, s)
	return d.AddDate(0, 0, add).Format(time.DateOnly)
}

func rec(renewal string, arr float64) map[string]any {
	return map[string]any{"Renewal_Date__c": renewal, "ARR__c": arr, "Active_Users__c": 10.0, "Licensed_Seats__c": 20.0}
}

const anniv = "2027-06-30"

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func TestRecorder(t *testing.T) {
	t.Run("RenewalRecordsTheBucketsHeldBefore", func(t *testing.T) {
		w := newWorld(t)
		w.set("001A", day(anniv, -200), rec(anniv, 50000), "Core-Good")
		w.record(day(anniv, -200))
		w.set("001A", day(anniv, -120), rec(anniv, 50000), "Renewal-High Risk")
		w.record(day(anniv, -120))
		w.set("001A", day(anniv, -45), rec(anniv, 50000), "Renewal-Low Risk")
		w.record(day(anniv, -45))
		w.set("001A", day(anniv, 1), rec(day(anniv, 365), 52000), "Core-Good")
		if p := w.record(day(anniv, 1)); p.Renewed != 1 {
			t.Fatalf("pass = %+v, want 1 renewed", p)
		}
		out := w.outcomes()
		if len(out) != 1 {
			t.Fatalf("outcomes = %d, want 1", len(out))
		}
		o := out[0]
		if o.Result != store.Renewed || o.Anniversary != anniv || str(o.Status120) != "Renewal-High Risk" ||
			str(o.Status60) != "Renewal-High Risk" || str(o.Status30) != "Renewal-Low Risk" || o.Value == nil || *o.Value != 50000 {
			t.Fatalf("outcome = %+v (%s, %s, %s)", o, str(o.Status120), str(o.Status60), str(o.Status30))
		}
		// A second pass the same day records nothing again.
		w.record(day(anniv, 1))
		if n := len(w.outcomes()); n != 1 {
			t.Fatalf("outcomes after a second pass = %d, want 1", n)
		}
	})
	t.Run("EarlyRenewal", func(t *testing.T) {
		w := newWorld(t)
		w.set("001B", day(anniv, -90), rec(anniv, 10000), "Renewal-Average Risk")
		w.record(day(anniv, -90))
		w.set("001B", day(anniv, -50), rec(day(anniv, 366), 10000), "Core-Good")
		w.record(day(anniv, -50))
		out := w.outcomes()
		if len(out) != 1 || out[0].Result != store.Renewed || out[0].Anniversary != anniv || str(out[0].Status60) != "Renewal-Average Risk" {
			t.Fatalf("outcomes = %+v", out)
		}
	})
	t.Run("RenewalDateEditedByHand", func(t *testing.T) {
		w := newWorld(t)
		w.set("001C", day(anniv, -90), rec(anniv, 10000), "Renewal-Average Risk")
		w.record(day(anniv, -90))
		fixed := day(anniv, 20) // a typo corrected: no renewal
		w.set("001C", day(anniv, -80), rec(fixed, 10000), "Renewal-Average Risk")
		w.record(day(anniv, -80))
		if out := w.outcomes(); len(out) != 0 {
			t.Fatalf("a hand edit recorded %+v", out)
		}
		w.set("001C", day(fixed, 2), rec(day(fixed, 365), 10000), "Core-Good")
		w.record(day(fixed, 2))
		out := w.outcomes()
		if len(out) != 1 || out[0].Anniversary != fixed || out[0].Result != store.Renewed {
			t.Fatalf("outcomes = %+v, want renewed at %s", out, fixed)
		}
	})
	t.Run("ChurnAndComeBack", func(t *testing.T) {
		w := newWorld(t)
		w.set("001D", day(anniv, -60), rec(anniv, 8000), "Renewal-High Risk")
		w.record(day(anniv, -60))
		w.set("001D", day(anniv, 3), rec(anniv, 8000), "") // stopped paying
		w.record(day(anniv, 3))
		back := day(anniv, 100)
		w.set("001D", back, rec(day(back, 365), 9000), "30 Day OnBoard-Good")
		w.record(back)
		w.set("001D", day(back, 366), rec(day(back, 730), 9000), "Core-Good")
		w.record(day(back, 366))
		out := w.outcomes()
		if len(out) != 2 || out[0].Result != store.Churned || out[0].Anniversary != anniv ||
			out[1].Result != store.Renewed || out[1].Anniversary != day(back, 365) {
			t.Fatalf("outcomes = %+v", out)
		}
	})
	t.Run("LeavingScopeIsChurn", func(t *testing.T) {
		w := newWorld(t)
		w.set("001E", day(anniv, -30), rec(anniv, 8000), "Renewal-Low Risk")
		w.record(day(anniv, -30))
		if err := w.db.Forget(context.Background(), []string{"001E"}); err != nil {
			t.Fatal(err)
		}
		w.record(day(anniv, -29))
		out := w.outcomes()
		if len(out) != 1 || out[0].Result != store.Churned || str(out[0].Status30) != "Renewal-Low Risk" {
			t.Fatalf("outcomes = %+v", out)
		}
	})
	t.Run("OnboardingRetention", func(t *testing.T) {
		w := newWorld(t)
		start := "2027-01-01"
		r := rec(day(start, 365), 5000)
		r["Start_Date__c"] = start
		w.set("001F", day(start, 80), r, "90 Day OnBoard-Poor")
		w.record(day(start, 80))
		w.set("001F", day(start, 95), r, "Core-Average")
		w.record(day(start, 95))
		w.set("001G", day(start, 80), r, "90 Day OnBoard-Good")
		w.record(day(start, 80))
		w.set("001G", day(start, 200), r, "")
		w.record(day(start, 200))
		w.record(day(start, 365))
		var got []string
		for _, o := range w.outcomes() {
			if o.Kind == store.KindOnboarding {
				got = append(got, o.AccountID+"/"+o.Onboard+"/"+o.Result)
			}
		}
		if len(got) != 2 || got[0] != "001G/Good/lost" || got[1] != "001F/Poor/retained" {
			t.Fatalf("onboarding outcomes = %v", got)
		}
		tr, err := w.db.Tracked(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if f := tr["001F"]; f.CoreDay != day(start, 95) || f.Start != start {
			t.Fatalf("tracked 001F = %+v", f)
		}
	})
}

// TestRecorderInChunks: a pass that walks the accounts a few at a time
// records exactly what a pass over all of them at once records, gone
// accounts included.
func TestRecorderInChunks(t *testing.T) {
	run := func(chunk int) []store.Outcome {
		w := newWorld(t)
		w.rec.Chunk = chunk
		ids := []string{"001A", "001B", "001C", "001D", "001E", "001F", "001G"}
		for _, id := range ids {
			w.set(id, day(anniv, -200), rec(anniv, 1000), "Core-Good")
		}
		w.record(day(anniv, -200))
		for _, id := range ids {
			w.set(id, day(anniv, -60), rec(anniv, 1000), "Renewal-Average Risk")
		}
		w.record(day(anniv, -60))
		for i, id := range ids {
			switch i % 3 {
			case 0: // renews
				w.set(id, day(anniv, 1), rec(day(anniv, 365), 1000), "Core-Good")
			case 1: // churns: stops paying
				w.set(id, day(anniv, 1), rec(anniv, 1000), "")
			default: // leaves scope
				if err := w.db.Forget(context.Background(), []string{id}); err != nil {
					t.Fatal(err)
				}
			}
		}
		w.record(day(anniv, 1))
		return w.outcomes()
	}
	whole, chunked := run(0), run(2)
	if len(whole) != 7 {
		t.Fatalf("%d outcomes over all accounts at once, want 7", len(whole))
	}
	key := func(o store.Outcome) string { return o.AccountID + " " + o.Result + " " + str(o.Status60) }
	got := map[string]bool{}
	for _, o := range chunked {
		got[key(o)] = true
	}
	for _, o := range whole {
		if !got[key(o)] {
			t.Errorf("outcome %s missing when walked 2 accounts at a time", key(o))
		}
	}
	if len(chunked) != len(whole) {
		t.Errorf("%d outcomes in chunks, %d at once", len(chunked), len(whole))
	}
}
