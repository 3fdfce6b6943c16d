package sftest

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// TestSimulatorMatchesRecordsScan runs the Simulator on one emulator and,
// on a twin with the same seed, the same simulation written plainly over
// Records (every record copied each day, as the Simulator once worked):
// after 60 days both hold the same Accounts and reported the same days.
func TestSimulatorMatchesRecordsScan(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	newTwin := func() (*Server, *time.Time) {
		now := start
		srv := NewServer(Options{Accounts: 600, Seed: 7, Now: func() time.Time { return now }})
		t.Cleanup(srv.Close)
		return srv, &now
	}
	a, nowA := newTwin()
	b, nowB := newTwin()
	sim := NewSimulator(a, 3)
	ref := &recordsSim{srv: b, r: NewSimulator(b, 3).r}
	rngA, rngB := rand.New(rand.NewPCG(9, 2)), rand.New(rand.NewPCG(9, 2))
	var renewed, churned int
	for day := range 60 {
		*nowA, *nowB = start.AddDate(0, 0, day), start.AddDate(0, 0, day)
		got, err := sim.Day(*nowA)
		if err != nil {
			t.Fatalf("day %d: %v", day, err)
		}
		want, err := ref.day(*nowB)
		if err != nil {
			t.Fatalf("day %d, reference: %v", day, err)
		}
		if got != want {
			t.Fatalf("day %d: simulator %+v, reference %+v", day, got, want)
		}
		renewed, churned = renewed+got.Renewed, churned+got.Churned
		sim.Touch(rngA, 7)
		ref.touch(rngB, 7)
	}
	if renewed == 0 || churned == 0 {
		t.Fatalf("60 days renewed %d and churned %d: the test shows nothing", renewed, churned)
	}
	ra, rb := a.Records("Account"), b.Records("Account")
	if len(ra) != len(rb) {
		t.Fatalf("%d accounts, reference %d", len(ra), len(rb))
	}
	for i := range ra {
		if !reflect.DeepEqual(ra[i], rb[i]) {
			t.Fatalf("account %d differs:\n%v\nreference\n%v", i, ra[i], rb[i])
		}
	}
}

// recordsSim is the Simulator's day and the demo's usage edits written
// over Records, the reference the table scans must match.
type recordsSim struct {
	srv     *Server
	r       *rand.Rand
	last    string
	started int
}

func (s *recordsSim) day(today time.Time) (SimDay, error) {
	td := today.UTC().Format(time.DateOnly)
	from := s.last
	if from == "" {
		from = today.UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	}
	s.last = td
	var d SimDay
	for _, rec := range s.srv.Records("Account") {
		paying, _ := rec["Paying_Customer__c"].(bool)
		renewal, _ := rec["Renewal_Date__c"].(string)
		if !paying || renewal <= from || renewal > td {
			continue
		}
		id, _ := rec["Id"].(string)
		health, _ := rec["Customer_Health__c"].(string)
		if s.r.Float64() < RenewalProbability(health, num(rec["Active_Users__c"]), num(rec["Licensed_Seats__c"])) {
			next, _ := time.Parse(time.DateOnly, renewal)
			if err := s.srv.Update("Account", id, map[string]any{"Renewal_Date__c": next.AddDate(1, 0, 0).Format(time.DateOnly)}); err != nil {
				return d, err
			}
			d.Renewed++
			continue
		}
		if err := s.srv.Update("Account", id, map[string]any{"Paying_Customer__c": false}); err != nil {
			return d, err
		}
		d.Churned++
	}
	sim := &Simulator{srv: s.srv, r: s.r, started: s.started}
	for n := poisson(s.r, 1); n > 0; n-- {
		if err := sim.start(today); err != nil {
			return d, fmt.Errorf("start: %w", err)
		}
		d.Started++
	}
	s.started = sim.started
	return d, nil
}

func (s *recordsSim) touch(rng *rand.Rand, n int) {
	recs := s.srv.Records("Account")
	for range n {
		r := recs[rng.IntN(len(recs))]
		id, _ := r["Id"].(string)
		seats, _ := r["Licensed_Seats__c"].(float64)
		if seats <= 0 {
			continue
		}
		_ = s.srv.Update("Account", id, map[string]any{"Active_Users__c": float64(rng.IntN(int(seats) + 1))})
	}
}
