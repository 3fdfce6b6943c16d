package report

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/lifecycled/lifecycled/internal/calibration"
	"github.com/lifecycled/lifecycled/internal/store"
)

// BucketDay is one daily snapshot's paying accounts and, of those, the
// accounts in each risk bucket (Renewal-Low, -Average, -High Risk).
type BucketDay struct {
	Day     string `json:"day"`
	Paying  int    `json:"paying"`
	Low     int    `json:"low"`
	Average int    `json:"average"`
	High    int    `json:"high"`
}

// TrendView is the bucket shares over one period: "90d", "1y" or "all".
type TrendView struct {
	Name  string      `json:"name"`
	Since string      `json:"since"` // first day shown; "" all
	Days  []BucketDay `json:"days"`
}

// Transition is how many status changes went from one status to another
// ("" none) in the report's period.
type Transition struct {
	From    string `json:"from"`
	To      string `json:"to"`
	Changes int    `json:"changes"`
}

// OnboardBins label the time-to-onboard bins: days from the start date to
// the first core status.
var OnboardBins = []string{"<=90", "91-120", "121-180", ">180"}

// Trend is the longitudinal view.
type Trend struct {
	Views       []TrendView  `json:"views"`
	Transitions []Transition `json:"transitions"` // Since to Today
	OnboardBins []string     `json:"onboard_bins"`
	Onboarded   []int        `json:"onboarded"`    // accounts per OnboardBins
	OnboardDays []int        `json:"onboard_days"` // every account's days, sorted
}

func (f *Figures) trend(ctx context.Context, db *store.DB, today time.Time) error {
	t := &Trend{Transitions: []Transition{}, OnboardBins: OnboardBins, Onboarded: make([]int, len(OnboardBins)),
		OnboardDays: []int{}}
	snaps, err := db.Snapshots(ctx, "")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	var all []BucketDay
	for _, s := range snaps {
		d := BucketDay{Day: s.Day, Low: s.Counts[calibration.BucketStatuses[0]],
			Average: s.Counts[calibration.BucketStatuses[1]], High: s.Counts[calibration.BucketStatuses[2]]}
		for st, n := range s.Counts {
			if st != "" {
				d.Paying += n
			}
		}
		all = append(all, d)
	}
	for _, v := range []struct {
		name string
		days int
	}{{"90d", 90}, {"1y", 365}, {"all", 0}} {
		tv := TrendView{Name: v.name, Days: []BucketDay{}}
		if v.days > 0 {
			tv.Since = today.AddDate(0, 0, -(v.days - 1)).Format(time.DateOnly)
		}
		for _, d := range all {
			if d.Day >= tv.Since {
				tv.Days = append(tv.Days, d)
			}
		}
		t.Views = append(t.Views, tv)
	}
	tr, err := db.Transitions(ctx, f.Since, f.Today)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	for _, x := range tr {
		t.Transitions = append(t.Transitions, Transition{From: x.From, To: x.To, Changes: x.Changes})
	}
	tracked, err := db.Tracked(ctx)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	for _, a := range tracked {
		s, err1 := time.Parse(time.DateOnly, a.Start)
		c, err2 := time.Parse(time.DateOnly, a.CoreDay)
		if err1 != nil || err2 != nil || a.Onboarded == "" {
			continue
		}
		t.OnboardDays = append(t.OnboardDays, int(c.Sub(s).Hours()/24))
	}
	sort.Ints(t.OnboardDays)
	for _, d := range t.OnboardDays {
		switch {
		case d <= 90:
			t.Onboarded[0]++
		case d <= 120:
			t.Onboarded[1]++
		case d <= 180:
			t.Onboarded[2]++
		default:
			t.Onboarded[3]++
		}
	}
	f.Trend = t
	return nil
}
