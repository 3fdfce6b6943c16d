package report

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/lifecycled/lifecycled/internal/calibration"
	"github.com/lifecycled/lifecycled/internal/store"
)

// RenewalDays is how far ahead the money question looks.
const RenewalDays = 120

// Named is an account listed by a figure.
type Named struct {
	ID     string `json:"id"`
	Name   string `json:"name,omitempty"`
	Status string `json:"status,omitempty"`
}

// MoneyBucket is the contract value renewing in the next RenewalDays days
// in one risk bucket, and its forecast: the value times the bucket's rate.
type MoneyBucket struct {
	Risk     string  `json:"risk"`
	Accounts int     `json:"accounts"`
	Valued   int     `json:"valued"` // accounts holding a value
	Value    float64 `json:"value"`
	Rate     float64 `json:"rate"`
	Measured bool    `json:"measured"` // the rate is measured (else the documented default)
	Forecast float64 `json:"forecast"`
}

// MoneyMonth is the contract value renewing in one month ("2006-01"; ""
// for accounts whose renewal date is not ahead).
type MoneyMonth struct {
	Month    string  `json:"month"`
	Accounts int     `json:"accounts"`
	Value    float64 `json:"value"`
	Forecast float64 `json:"forecast"`
}

// Cash answers "can we count on the renewal cash?" in money: the accounts
// in a renewal status (renewing within RenewalDays days by the rules) and
// their contract value. Field is "" when no contract value is mapped: then
// only accounts are counted and every account is without a value.
type Cash struct {
	Field    string        `json:"field"`
	Days     int           `json:"days"`
	Buckets  []MoneyBucket `json:"buckets"`
	Months   []MoneyMonth  `json:"months"`
	Accounts int           `json:"accounts"`
	Value    float64       `json:"value"`
	Forecast float64       `json:"forecast"`
	// Unvalued counts the renewing accounts without a value; UnvaluedAccounts
	// names them (up to the report's list limit).
	Unvalued         int     `json:"unvalued"`
	UnvaluedAccounts []Named `json:"unvalued_accounts"`
}

// money fills f.Cash from the facts and the calibration's rates.
func (f *Figures) money(facts []store.Fact, field string, limit int) {
	m := &Cash{Field: field, Days: RenewalDays, UnvaluedAccounts: []Named{}, Months: []MoneyMonth{}}
	rates := map[string]float64{}
	for _, b := range calibration.Buckets {
		r, measured := f.Calibration.ForecastRate(b)
		rates[b] = r
		m.Buckets = append(m.Buckets, MoneyBucket{Risk: b, Rate: r, Measured: measured})
	}
	months := map[string]*MoneyMonth{}
	for _, a := range facts {
		st := a.Status
		b := calibration.BucketOf(&st)
		if b == "" {
			continue
		}
		mb := &m.Buckets[bucketIndex(b)]
		mb.Accounts++
		m.Accounts++
		month := ""
		if a.Renewal >= f.Today {
			month = a.Renewal[:7]
		}
		mm := months[month]
		if mm == nil {
			mm = &MoneyMonth{Month: month}
			months[month] = mm
		}
		mm.Accounts++
		if a.Value == nil || field == "" {
			m.Unvalued++
			if limit <= 0 || len(m.UnvaluedAccounts) < limit {
				m.UnvaluedAccounts = append(m.UnvaluedAccounts, Named{ID: a.ID, Name: a.Name, Status: a.Status})
			}
			continue
		}
		v := *a.Value
		mb.Valued++
		mb.Value += v
		mb.Forecast += v * rates[b]
		mm.Value += v
		mm.Forecast += v * rates[b]
	}
	for _, b := range m.Buckets {
		m.Value += b.Value
		m.Forecast += b.Forecast
	}
	keys := make([]string, 0, len(months))
	for k := range months {
		keys = append(keys, k)
	}
	sort.Strings(keys) // "" (no date ahead) first
	for _, k := range keys {
		m.Months = append(m.Months, *months[k])
	}
	f.Cash = m
}

func bucketIndex(b string) int {
	for i, x := range calibration.Buckets {
		if x == b {
			return i
		}
	}
	return 0
}

// cfo fills the money, usage, calibration and trend figures.
func (f *Figures) cfo(ctx context.Context, db *store.DB, opts Options) error {
	fields := opts.Fields
	if fields.Value == "" {
		fields.Value = opts.RevenueField
	}
	facts, err := db.Facts(ctx, fields)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	outcomes, err := db.Outcomes(ctx, "")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	f.Calibration = calibration.Summarize(outcomes)
	limit := listLen(opts.Limit, DefaultLimit)
	f.money(facts, fields.Value, limit)
	today, _ := time.Parse(time.DateOnly, f.Today)
	if err := f.usage(ctx, db, facts, fields, today, limit); err != nil {
		return err
	}
	return f.trend(ctx, db, today)
}
