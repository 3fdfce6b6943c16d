package calibration

import (
	"fmt"
	"math"

	"github.com/lifecycled/lifecycled/internal/store"
)

// Buckets are the renewal risk buckets, in display order, and the status
// value of the default pack that puts an account in each.
var (
	Buckets        = []string{"Low Risk", "Average Risk", "High Risk"}
	BucketStatuses = []string{"Renewal-Low Risk", "Renewal-Average Risk", "Renewal-High Risk"}
)

// DefaultRates are the renewal rates the forecast uses for a bucket until
// MinForRate of its renewals have been seen: typical gross renewal rates of
// B2B subscriptions by risk (assumptions, not measurements).
var DefaultRates = map[string]float64{"Low Risk": 0.95, "Average Risk": 0.85, "High Risk": 0.60}

// Thresholds: a rate is shown with a 95% interval from MinForInterval
// outcomes on, and replaces the default rate in the forecast from
// MinForRate on.
const (
	MinForInterval = 10
	MinForRate     = 30
)

// ForecastHorizon is the horizon whose bucket rates the forecast and the
// verdict use: the bucket an account held 60 days before its anniversary.
const ForecastHorizon = 60

// Rate is how often the accounts of one group came through: renewed (or
// retained) out of total, with a Wilson 95% interval when total reaches
// MinForInterval.
type Rate struct {
	Group    string  `json:"group"`
	Success  int     `json:"success"`
	Total    int     `json:"total"`
	Rate     float64 `json:"rate"` // 0 when total is 0
	Interval bool    `json:"interval"`
	Low      float64 `json:"low,omitempty"`
	High     float64 `json:"high,omitempty"`
}

func newRate(group string, k, n int) Rate {
	r := Rate{Group: group, Success: k, Total: n}
	if n > 0 {
		r.Rate = float64(k) / float64(n)
	}
	if n >= MinForInterval {
		r.Interval = true
		r.Low, r.High = Wilson(k, n)
	}
	return r
}

// Wilson returns the Wilson score 95% interval of k successes in n trials
// (0, 0 for n = 0).
func Wilson(k, n int) (lo, hi float64) {
	if n <= 0 {
		return 0, 0
	}
	const z = 1.959963984540054
	p, nf := float64(k)/float64(n), float64(n)
	den := 1 + z*z/nf
	mid := (p + z*z/(2*nf)) / den
	half := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf)) / den
	return math.Max(0, mid-half), math.Min(1, mid+half)
}

// Horizon is the renewal rate per bucket of the accounts by the bucket
// they held Days before their anniversary. Outside counts the outcomes
// whose account held no renewal status then (not tracked yet, or in
// another phase).
type Horizon struct {
	Days    int    `json:"days"`
	Buckets []Rate `json:"buckets"`
	Outside int    `json:"outside"`
}

// Summary is the calibration: renewal rates per bucket at each horizon,
// one-year retention by 90-day onboarding outcome, and a verdict.
type Summary struct {
	Renewed    int       `json:"renewed"`
	Churned    int       `json:"churned"`
	Horizons   []Horizon `json:"horizons"`
	Onboarding []Rate    `json:"onboarding"` // Good, Poor
	// Separation is "separated", "not_separated" or "too_few", from the
	// ForecastHorizon's Low Risk and High Risk rates; Verdict says it.
	Separation string `json:"separation"`
	Verdict    string `json:"verdict"`
}

// Summarize computes the calibration from recorded outcomes.
func Summarize(outcomes []store.Outcome) Summary {
	s := Summary{}
	type kn struct{ k, n int }
	per := make([]map[string]kn, len(Horizons))
	outside := make([]int, len(Horizons))
	for i := range per {
		per[i] = map[string]kn{}
	}
	onb := map[string]kn{}
	for _, o := range outcomes {
		switch o.Kind {
		case store.KindRenewal:
			ok := o.Result == store.Renewed
			if ok {
				s.Renewed++
			} else {
				s.Churned++
			}
			for i, st := range []*string{o.Status120, o.Status60, o.Status30} {
				b := BucketOf(st)
				if b == "" {
					outside[i]++
					continue
				}
				c := per[i][b]
				c.n++
				if ok {
					c.k++
				}
				per[i][b] = c
			}
		case store.KindOnboarding:
			c := onb[o.Onboard]
			c.n++
			if o.Result == store.Retained {
				c.k++
			}
			onb[o.Onboard] = c
		}
	}
	for i, d := range Horizons {
		h := Horizon{Days: d, Outside: outside[i]}
		for _, b := range Buckets {
			h.Buckets = append(h.Buckets, newRate(b, per[i][b].k, per[i][b].n))
		}
		s.Horizons = append(s.Horizons, h)
	}
	for _, g := range []string{"Good", "Poor"} {
		s.Onboarding = append(s.Onboarding, newRate(g, onb[g].k, onb[g].n))
	}
	s.Separation, s.Verdict = verdict(s.Horizon(ForecastHorizon))
	return s
}

// Horizon returns the horizon of days (zero Horizon when there is none).
func (s Summary) Horizon(days int) Horizon {
	for _, h := range s.Horizons {
		if h.Days == days {
			return h
		}
	}
	return Horizon{Days: days}
}

// Bucket returns the rate of bucket b.
func (h Horizon) Bucket(b string) Rate {
	for _, r := range h.Buckets {
		if r.Group == b {
			return r
		}
	}
	return Rate{Group: b}
}

func verdict(h Horizon) (string, string) {
	low, high := h.Bucket("Low Risk"), h.Bucket("High Risk")
	switch {
	case !low.Interval || !high.Interval:
		return "too_few", fmt.Sprintf("Not enough renewals yet to tell whether the risk buckets predict renewal: "+
			"%d Low Risk and %d High Risk outcomes %d days before the anniversary; %d of each are needed.",
			low.Total, high.Total, h.Days, MinForInterval)
	case low.Low > high.High:
		return "separated", fmt.Sprintf("The buckets separate: Low Risk renewed %.0f%% and High Risk %.0f%% "+
			"(95%% intervals do not overlap).", 100*low.Rate, 100*high.Rate)
	}
	return "not_separated", fmt.Sprintf("The buckets do not separate: High Risk renewed about as often as Low Risk "+
		"(%.0f%% vs %.0f%%, 95%% intervals overlap). The renewal criteria do not predict renewal: "+
		"review the Renewal-* rules in the config.", 100*high.Rate, 100*low.Rate)
}

// BucketOf returns the risk bucket of a status value ("" outside renewal).
func BucketOf(status *string) string {
	if status == nil {
		return ""
	}
	for i, s := range BucketStatuses {
		if *status == s {
			return Buckets[i]
		}
	}
	return ""
}

// ForecastRate returns the rate the forecast uses for bucket b, and
// whether it was measured (MinForRate outcomes at ForecastHorizon) or is
// the default.
func (s Summary) ForecastRate(b string) (float64, bool) {
	r := s.Horizon(ForecastHorizon).Bucket(b)
	if r.Total >= MinForRate {
		return r.Rate, true
	}
	return DefaultRates[b], false
}
