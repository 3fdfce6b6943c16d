package sftest

import (
	"math"
	"math/rand/v2"
	"time"
)

// due is a paying account whose renewal date falls in the simulated days.
type due struct {
	id, renewal, health string
	active, seats       float64 // NaN when empty
}

// dueRenewals returns the live paying Accounts whose Renewal_Date__c lies
// after from and on or before to ("2006-01-02"), in row order (the order
// Records returns them in). It reads the table's columns under the read
// lock and copies no record. An Account object without these fields has
// none due.
func (s *Server) dueRenewals(from, to string) []due {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.table("Account")
	if t == nil {
		return nil
	}
	fPaying, fRenewal := t.index("Paying_Customer__c"), t.index("Renewal_Date__c")
	fHealth, fActive, fSeats := t.index("Customer_Health__c"), t.index("Active_Users__c"), t.index("Licensed_Seats__c")
	if fPaying < 0 || fRenewal < 0 {
		return nil
	}
	lo, err1 := time.Parse(time.DateOnly, from)
	hi, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil {
		return nil
	}
	dlo, dhi := dayOf(lo), dayOf(hi)
	var out []due
	for row := 0; row < t.n; row++ {
		if t.deleted(row) {
			continue
		}
		paying, _ := t.value(row, fPaying).(bool)
		r := t.get(row, fRenewal).i
		if !paying || r == nullDay || r <= dlo || r > dhi {
			continue
		}
		c := due{id: t.id(row), renewal: formatDay(r), active: math.NaN(), seats: math.NaN()}
		if fHealth >= 0 {
			c.health, _ = t.value(row, fHealth).(string)
		}
		if fActive >= 0 {
			c.active = num(t.value(row, fActive))
		}
		if fSeats >= 0 {
			c.seats = num(t.value(row, fSeats))
		}
		out = append(out, c)
	}
	return out
}

// Touch edits the usage (Active_Users__c) of n Accounts drawn with rng
// from the live ones, as a Salesforce user would: each gets a number of
// active users drawn from 0 to its seats; one without seats is left
// alone. It draws exactly as picking from Records("Account") by index
// would, without copying the records.
func (s *Simulator) Touch(rng *rand.Rand, n int) {
	rows := s.srv.liveSeats()
	if len(rows) == 0 {
		return
	}
	for range n {
		r := rows[rng.IntN(len(rows))]
		if !(r.seats > 0) {
			continue
		}
		_ = s.srv.Update("Account", r.id, map[string]any{"Active_Users__c": float64(rng.IntN(int(r.seats) + 1))})
	}
}

type seatRow struct {
	id    string
	seats float64
}

// liveSeats returns every live Account's Id and Licensed_Seats__c (0 when
// empty), in row order.
func (s *Server) liveSeats() []seatRow {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.table("Account")
	if t == nil {
		return nil
	}
	fSeats := t.index("Licensed_Seats__c")
	out := make([]seatRow, 0, t.n)
	for row := 0; row < t.n; row++ {
		if t.deleted(row) {
			continue
		}
		r := seatRow{id: t.id(row)}
		if fSeats >= 0 {
			r.seats, _ = t.value(row, fSeats).(float64)
		}
		out = append(out, r)
	}
	return out
}
