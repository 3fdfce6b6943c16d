package sftest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Simulator moves the emulator's Accounts through simulated days, as
// customers and Salesforce users would: at each paying account's renewal
// date it renews (the renewal date moves a year) with a probability that
// depends on its health and seat utilization, or churns (it stops paying);
// and new paying accounts start. It finds the accounts due by reading the
// table's columns (no record is copied) and changes them through the test
// helpers (Update, Insert), so the changes carry a human user's
// LastModifiedById like a person's edits.
type Simulator struct {
	srv *Server
	r   *rand.Rand
	// NewPerDay is the mean number of accounts that start each day.
	NewPerDay float64
	last      string // the last day simulated
	started   int
}

// SimDay is what one simulated day did.
type SimDay struct {
	Renewed, Churned, Started int
}

// NewSimulator returns a Simulator of srv's Accounts drawing from seed.
func NewSimulator(srv *Server, seed int64) *Simulator {
	return &Simulator{srv: srv, r: rand.New(rand.NewPCG(uint64(seed), 0x5147)), NewPerDay: 1}
}

// RenewalProbability is the chance a paying account renews at its renewal
// date: by health (Good 0.95, Average 0.85, Poor 0.50, unknown 0.80),
// lowered by 0.30 when fewer than 30% of its seats are used and raised by
// 0.03 from 60% on, within 0.02..0.99.
func RenewalProbability(health string, active, seats float64) float64 {
	p := 0.80
	switch health {
	case "Good":
		p = 0.95
	case "Average":
		p = 0.85
	case "Poor":
		p = 0.50
	}
	if seats > 0 && !math.IsNaN(active) {
		switch u := active / seats; {
		case u < 0.30:
			p -= 0.30
		case u >= 0.60:
			p += 0.03
		}
	}
	return math.Min(0.99, math.Max(0.02, p))
}

// Day simulates the days after the last one simulated up to today: the
// accounts whose renewal date fell in them renew or churn, and new
// accounts start. The first call simulates today only.
func (s *Simulator) Day(today time.Time) (SimDay, error) {
	td := today.UTC().Format(time.DateOnly)
	from := s.last
	if from == "" {
		from = today.UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	}
	s.last = td
	var d SimDay
	for _, c := range s.srv.dueRenewals(from, td) {
		if s.r.Float64() < RenewalProbability(c.health, c.active, c.seats) {
			next, err := time.Parse(time.DateOnly, c.renewal)
			if err != nil {
				continue
			}
			if err := s.srv.Update("Account", c.id, map[string]any{"Renewal_Date__c": next.AddDate(1, 0, 0).Format(time.DateOnly)}); err != nil {
				return d, fmt.Errorf("simulate renewal of %s: %w", c.id, err)
			}
			d.Renewed++
			continue
		}
		if err := s.srv.Update("Account", c.id, map[string]any{"Paying_Customer__c": false}); err != nil {
			return d, fmt.Errorf("simulate churn of %s: %w", c.id, err)
		}
		d.Churned++
	}
	for n := poisson(s.r, s.NewPerDay); n > 0; n-- {
		if err := s.start(today); err != nil {
			return d, err
		}
		d.Started++
	}
	return d, nil
}

// start inserts a new paying account starting today.
func (s *Simulator) start(today time.Time) error {
	s.started++
	r := s.r
	seats := float64(5 + r.IntN(200))
	health := []string{"Good", "Good", "Average", "Poor"}[r.IntN(4)]
	_, err := s.srv.Insert("Account", map[string]any{
		"Name": fmt.Sprintf("Simulated Customer %d", s.started), "Type": "Customer - Direct",
		"Start_Date__c":   today.UTC().Format(time.DateOnly),
		"Renewal_Date__c": today.UTC().AddDate(1, 0, 0).Format(time.DateOnly), "Paying_Customer__c": true,
		"Customer_Health__c": health, "Licensed_Seats__c": seats, "Active_Users__c": math.Round(seats * r.Float64()),
		"Last_Activity_Date__c": today.UTC().Format(time.DateOnly),
		"ARR__c":                math.Max(3000, math.Round(seats*(240+1200*r.Float64())/100)*100),
	})
	if err != nil {
		return fmt.Errorf("simulate a new account: %w", err)
	}
	return nil
}

func num(v any) float64 {
	if f, ok := v.(float64); ok {
		return f
	}
	return math.NaN()
}

// poisson draws from a Poisson distribution of mean m (Knuth's method).
func poisson(r *rand.Rand, m float64) int {
	l, k, p := math.Exp(-m), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}
