package sftest

import (
	"math"
	"math/rand/v2"
)

// arrStream draws the generated accounts' contract values (ARR__c) from a
// stream of its own, so that every other generated column keeps, for a
// seed, the values it had before ARR__c existed.
type arrStream struct{ r *rand.Rand }

func newARRStream(seed int64) *arrStream {
	return &arrStream{r: rand.New(rand.NewPCG(uint64(seed), 0xa44))}
}

// apply sets a's contract value: a paying account with seats pays 240 to
// 1,440 a seat a year, rounded to the hundred, with a floor of 3,000; about
// 4% of paying accounts have no value (nobody filled it in); accounts that
// do not pay have none.
func (s *arrStream) apply(a *account) {
	u, price := s.r.Float64(), 240+s.r.Float64()*1200
	a.arr = math.NaN()
	if !a.paying || u < 0.04 {
		return
	}
	seats := a.seats
	if math.IsNaN(seats) {
		seats = 10
	}
	a.arr = math.Max(3000, math.Round(seats*price/100)*100)
}
