package report

import (
	"context"
	"fmt"
	"time"

	"github.com/lifecycled/lifecycled/internal/store"
)

// Usage thresholds.
const (
	InactiveDays = 30 // no activity for this many days
	DeclineDays  = 30 // usage compared over this window
)

// UtilizationBins label the seat utilization (active users / seats) bins:
// below 25%, 25 to 50%, 50 to 75%, 75 to 100%, above 100%, and unknown (no
// seats or no active users).
var UtilizationBins = []string{"<25%", "25-50%", "50-75%", "75-100%", ">100%", "unknown"}

// Utilization is the seat utilization of the paying accounts in one status:
// Counts[i] accounts in UtilizationBins[i].
type Utilization struct {
	Status   string `json:"status"`
	Accounts int    `json:"accounts"`
	Counts   []int  `json:"counts"`
}

// Decline is a paying account whose active users fell by more than a third
// within DeclineDays days: From is the highest count in the window, To the
// count now.
type Decline struct {
	Named
	From float64 `json:"from"`
	To   float64 `json:"to"`
}

// Usage answers "are our customers using the product?" with usage.
type Usage struct {
	Bins        []string      `json:"bins"`
	Utilization []Utilization `json:"utilization"`
	// ActivityField is the mapped last-activity field ("" none: Inactive
	// is then 0).
	ActivityField    string    `json:"activity_field"`
	Inactive         int       `json:"inactive"` // paying accounts without activity in InactiveDays days
	InactiveAccounts []Named   `json:"inactive_accounts"`
	Declining        int       `json:"declining"`
	DecliningAccts   []Decline `json:"declining_accounts"`
}

// utilBin returns the bin index of active/seats.
func utilBin(active, seats *float64) int {
	if active == nil || seats == nil || *seats <= 0 {
		return 5
	}
	u := *active / *seats
	switch {
	case u < 0.25:
		return 0
	case u < 0.5:
		return 1
	case u < 0.75:
		return 2
	case u <= 1:
		return 3
	}
	return 4
}

func (f *Figures) usage(ctx context.Context, db *store.DB, facts []store.Fact, fields store.FactFields, today time.Time, limit int) error {
	u := &Usage{Bins: UtilizationBins, ActivityField: fields.Activity, InactiveAccounts: []Named{}, DecliningAccts: []Decline{}}
	rows := map[string]*Utilization{}
	for _, s := range f.Statuses {
		rows[s.Status] = &Utilization{Status: s.Status, Counts: make([]int, len(UtilizationBins))}
	}
	quiet := today.AddDate(0, 0, -InactiveDays).Format(time.DateOnly)
	paying := map[string]store.Fact{}
	for _, a := range facts {
		if a.Status == "" {
			continue
		}
		paying[a.ID] = a
		r := rows[a.Status]
		if r == nil { // a status Statuses lacks (the store changed in between)
			r = &Utilization{Status: a.Status, Counts: make([]int, len(UtilizationBins))}
			rows[a.Status] = r
		}
		r.Accounts++
		r.Counts[utilBin(a.Active, a.Seats)]++
		if fields.Activity != "" && (a.Activity == "" || a.Activity < quiet) {
			u.Inactive++
			if limit <= 0 || len(u.InactiveAccounts) < limit {
				u.InactiveAccounts = append(u.InactiveAccounts, Named{ID: a.ID, Name: a.Name, Status: a.Status})
			}
		}
	}
	for _, s := range f.Statuses {
		u.Utilization = append(u.Utilization, *rows[s.Status])
	}
	win, err := db.UsageWindow(ctx, today.AddDate(0, 0, -DeclineDays).Format(time.DateOnly))
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	for i := 0; i < len(win); {
		j, peak := i, 0.0
		for ; j < len(win) && win[j].AccountID == win[i].AccountID; j++ {
			if v := win[j].Active; v != nil && *v > peak {
				peak = *v
			}
		}
		a, ok := paying[win[i].AccountID]
		i = j
		if !ok || a.Active == nil || peak <= 0 || *a.Active >= peak*2/3 {
			continue
		}
		u.Declining++
		if limit <= 0 || len(u.DecliningAccts) < limit {
			u.DecliningAccts = append(u.DecliningAccts, Decline{Named: Named{ID: a.ID, Name: a.Name, Status: a.Status},
				From: peak, To: *a.Active})
		}
	}
	f.Usage = u
	return nil
}
