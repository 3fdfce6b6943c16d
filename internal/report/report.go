// Package report computes the figures RevOps reads on the dashboard and from
// `lifecycled report`: paying accounts per lifecycle status, the three
// questions the old Salesforce report answered (did the latest customers
// onboard well, are customers using the product, can we count on the renewal
// cash), the share of accounts per status per day from the daily snapshots,
// and the daemon's own state (runs, rejections, pending writes).
//
// It only reads the store; one Build gives one consistent-enough view (each
// figure is one read transaction; a cycle may land between two of them).
package report

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/lifecycled/lifecycled/internal/calibration"
	"github.com/lifecycled/lifecycled/internal/store"
)

// HistoryDays is how many days the dashboard's history covers by default.
const HistoryDays = 90

// Default limits of the lists in Figures.
const (
	DefaultRuns  = 10
	DefaultLimit = 20
)

// The default pack's status values, in the pack's order. The three
// questions are answered from these values; a custom pack's other values
// still appear in the per-status counts and the history.
var (
	OnboardingStatuses = []string{
		"30 Day OnBoard-Good", "30 Day OnBoard-Poor",
		"60 Day OnBoard-Good", "60 Day OnBoard-Poor",
		"90 Day OnBoard-Good", "90 Day OnBoard-Poor",
	}
	CoreStatuses    = []string{"Core-Good", "Core-Average", "Core-Poor"}
	RenewalStatuses = []string{"Renewal-Low Risk", "Renewal-Average Risk", "Renewal-High Risk"}
)

// DefaultStatuses returns the default pack's status values in order.
func DefaultStatuses() []string {
	return slices.Concat(OnboardingStatuses, CoreStatuses, RenewalStatuses)
}

// Group names the phase a status belongs to: "onboarding", "core",
// "renewal", or "other" for a value the default pack does not produce.
func Group(status string) string {
	switch {
	case slices.Contains(OnboardingStatuses, status):
		return "onboarding"
	case slices.Contains(CoreStatuses, status):
		return "core"
	case slices.Contains(RenewalStatuses, status):
		return "renewal"
	}
	return "other"
}

// Options says what to compute.
type Options struct {
	Now      time.Time      // the report's time; zero: time.Now
	Location *time.Location // the zone of "today"; nil: UTC
	// Since is the first day ("2006-01-02") of the history, and of the runs
	// and rejections listed; "" means HistoryDays days up to today.
	Since string
	// StatusValues are the config's status values in pack order (the rows
	// of the per-status counts); nil: the default pack's.
	StatusValues []string
	// RevenueField is the API name of the revenue field summed over the
	// renewals; "" skips the sums.
	RevenueField string
	// Fields are the mapped fields the money, usage and calibration figures
	// read (Fields.Value "" falls back on RevenueField).
	Fields      store.FactFields
	Runs, Limit int // list lengths; 0: DefaultRuns, DefaultLimit; < 0: no limit
}

// StatusCount is how many paying accounts stand in one status.
type StatusCount struct {
	Status   string `json:"status"`
	Group    string `json:"group"`
	Accounts int    `json:"accounts"`
}

// Checkpoint is the onboarding question at one checkpoint (30, 60 or 90
// days after the start date): how many accounts that started in the last 90
// days onboard well, and how many poorly.
type Checkpoint struct {
	Day  int `json:"day"`
	Good int `json:"good"`
	Poor int `json:"poor"`
}

// Tier is the core question for one health tier: Good, Average or Poor.
type Tier struct {
	Tier     string `json:"tier"`
	Status   string `json:"status"`
	Accounts int    `json:"accounts"`
}

// Renewal is the renewal question for one risk: accounts renewing in the
// next 120 days, and the sum of the revenue field over those that hold one.
type Renewal struct {
	Risk     string  `json:"risk"`
	Status   string  `json:"status"`
	Accounts int     `json:"accounts"`
	Revenue  float64 `json:"revenue"`
	Valued   int     `json:"valued"` // accounts whose revenue field holds a number
}

// Day is one daily snapshot: paying accounts per status.
type Day struct {
	Day    string         `json:"day"`
	Total  int            `json:"total"`
	Counts map[string]int `json:"counts"`
}

// Share returns the share (0..1) of the day's accounts in status.
func (d Day) Share(status string) float64 {
	if d.Total == 0 {
		return 0
	}
	return float64(d.Counts[status]) / float64(d.Total)
}

// Figures is everything the dashboard and `lifecycled report` show.
type Figures struct {
	Generated time.Time `json:"generated"`
	Today     string    `json:"today"`
	Since     string    `json:"since"` // first day of the history
	Until     string    `json:"until"` // last day: today, or a later snapshot's day

	// Statuses are the paying accounts per status: the configured values in
	// pack order (zero counts included), then other values found, sorted.
	Statuses []StatusCount `json:"statuses"`
	Paying   int           `json:"paying"`    // accounts with a status
	NoStatus int           `json:"no_status"` // accounts without one (not paying, or no start date)

	Onboarding   []Checkpoint `json:"onboarding"`
	Core         []Tier       `json:"core"`
	Renewals     []Renewal    `json:"renewals"`
	RevenueField string       `json:"revenue_field,omitempty"`

	// HistoryStatuses are the statuses the history shows, in display order.
	HistoryStatuses []string `json:"history_statuses"`
	History         []Day    `json:"history"` // oldest first; days without a snapshot are absent

	LastSuccess    *Run           `json:"last_success,omitempty"`
	Runs           []Run          `json:"runs"`
	Rejected       int            `json:"rejected"`        // rejections held
	RejectionCodes map[string]int `json:"rejection_codes"` // per error code
	Rejections     []Rejection    `json:"rejections"`
	// Plays counts the success plays' actions by state (pending, sent,
	// rejected); PlayRejections lists those that failed for good.
	Plays          map[string]int  `json:"plays"`
	PlayRejections []PlayRejection `json:"play_rejections"`
	Pending        int             `json:"pending"` // outbox depth
	Outbox         []Pending       `json:"outbox"`

	// The CFO's questions: money, usage, calibration and trends.
	Cash        *Cash               `json:"money"`
	Usage       *Usage              `json:"usage"`
	Calibration calibration.Summary `json:"calibration"`
	Trend       *Trend              `json:"trend"`
}

// Count returns the paying accounts in status.
func (f *Figures) Count(status string) int {
	for _, s := range f.Statuses {
		if s.Status == status {
			return s.Accounts
		}
	}
	return 0
}

// Build reads the figures from db.
func Build(ctx context.Context, db *store.DB, opts Options) (*Figures, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	today := dayOf(now, loc)
	since := today.AddDate(0, 0, -(HistoryDays - 1))
	if opts.Since != "" {
		d, err := time.Parse(time.DateOnly, opts.Since)
		if err != nil {
			return nil, fmt.Errorf("report: since %q: want YYYY-MM-DD", opts.Since)
		}
		since = d
	}
	f := &Figures{Generated: now, Today: today.Format(time.DateOnly), Since: since.Format(time.DateOnly),
		Until:        today.Format(time.DateOnly),
		RevenueField: opts.RevenueField}

	if err := f.counts(ctx, db, opts); err != nil {
		return nil, err
	}
	if err := f.history(ctx, db); err != nil {
		return nil, err
	}
	if err := f.operations(ctx, db, opts, loc); err != nil {
		return nil, err
	}
	if err := f.cfo(ctx, db, opts); err != nil {
		return nil, err
	}
	return f, nil
}

// counts fills the per-status counts and the three questions.
func (f *Figures) counts(ctx context.Context, db *store.DB, opts Options) error {
	counts, err := db.StatusCounts(ctx)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	f.NoStatus = counts[""]
	delete(counts, "")
	order := opts.StatusValues
	if order == nil {
		order = DefaultStatuses()
	}
	seen := map[string]bool{}
	for _, s := range order {
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		f.Statuses = append(f.Statuses, StatusCount{Status: s, Group: Group(s), Accounts: counts[s]})
	}
	var others []string
	for s := range counts {
		if !seen[s] {
			others = append(others, s)
		}
	}
	sort.Strings(others)
	for _, s := range others {
		f.Statuses = append(f.Statuses, StatusCount{Status: s, Group: Group(s), Accounts: counts[s]})
	}
	for _, s := range f.Statuses {
		f.Paying += s.Accounts
	}

	for i, day := range []int{30, 60, 90} {
		f.Onboarding = append(f.Onboarding, Checkpoint{Day: day,
			Good: counts[OnboardingStatuses[2*i]], Poor: counts[OnboardingStatuses[2*i+1]]})
	}
	for i, tier := range []string{"Good", "Average", "Poor"} {
		f.Core = append(f.Core, Tier{Tier: tier, Status: CoreStatuses[i], Accounts: counts[CoreStatuses[i]]})
	}
	var sums map[string]store.StatusSum
	if opts.RevenueField != "" {
		if sums, err = db.SumByStatus(ctx, opts.RevenueField); err != nil {
			return fmt.Errorf("report: revenue: %w", err)
		}
	}
	for i, risk := range []string{"Low Risk", "Average Risk", "High Risk"} {
		st := RenewalStatuses[i]
		f.Renewals = append(f.Renewals, Renewal{Risk: risk, Status: st, Accounts: counts[st],
			Revenue: sums[st].Sum, Valued: sums[st].Valued})
	}
	return nil
}

// history fills the daily snapshots from Since on.
func (f *Figures) history(ctx context.Context, db *store.DB) error {
	snaps, err := db.Snapshots(ctx, f.Since)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	seen := map[string]bool{}
	for _, s := range f.Statuses {
		seen[s.Status] = true
		f.HistoryStatuses = append(f.HistoryStatuses, s.Status)
	}
	var extra []string
	for _, s := range snaps {
		d := Day{Day: s.Day, Counts: map[string]int{}}
		for status, n := range s.Counts {
			if status == "" || n == 0 {
				continue // accounts without a status are not paying ones
			}
			d.Counts[status] = n
			d.Total += n
			if !seen[status] {
				seen[status] = true
				extra = append(extra, status)
			}
		}
		f.History = append(f.History, d)
		if s.Day > f.Until {
			f.Until = s.Day
		}
	}
	sort.Strings(extra)
	f.HistoryStatuses = append(f.HistoryStatuses, extra...)
	return nil
}

// dayOf returns the calendar date of t in loc, as midnight UTC, so that date
// arithmetic never crosses a zone's daylight-saving shift.
func dayOf(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
