// Package calibration checks lifecycled's criteria against what customers
// did. After each cycle its Recorder compares every stored account with
// what it saw before and records outcomes in the store: at a renewal
// anniversary an account renewed (its renewal date moved forward and it
// still holds a lifecycle status, i.e. it is paying) or churned (it lost
// its status, or left the managed scope); a year after its start an
// onboarded account was retained or lost. Each renewal outcome carries the
// status the account held 120, 60 and 30 days before the anniversary,
// read from lifecycled's own history, so the renewal rate of each risk
// bucket is measured, not sampled, and survives restarts.
package calibration

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lifecycled/lifecycled/internal/store"
)

// Horizons are the days before an anniversary at which an outcome's status
// is recorded.
var Horizons = []int{120, 60, 30}

// Early renewals: a renewal date that moves forward by EarlyMin to EarlyMax
// days before the anniversary it replaces has passed is a renewal signed
// early; any other move before the anniversary is a correction (a renewal
// date edited by hand) and records nothing.
const (
	EarlyMin = 300
	EarlyMax = 430
)

// Recorder records outcomes after each cycle. Create it with its fields
// set; it keeps no state of its own between passes (the store does).
type Recorder struct {
	DB     *store.DB
	Fields store.FactFields // the mapped fields; Renewal is needed for renewals, Start for onboarding
	// Chunk is how many accounts a pass holds in memory at once; zero:
	// DefaultChunk.
	Chunk int
}

// DefaultChunk is Recorder.Chunk's default.
const DefaultChunk = 10000

// Pass is what one Record call did.
type Pass struct {
	Followed                         int // accounts seen
	Renewed, Churned, Retained, Lost int // outcomes recorded
	Thinned                          int // snapshots deleted by thinning
}

// Record compares the store's accounts, as computed as of asOf
// ("2006-01-02"), with what the previous pass saw, records the outcomes
// that happened and thins snapshots older than store.SnapshotKeep. It may
// run any number of times a day: an outcome is recorded once.
func (r *Recorder) Record(ctx context.Context, asOf string) (Pass, error) {
	today, err := time.Parse(time.DateOnly, asOf)
	if err != nil {
		return Pass{}, fmt.Errorf("calibration: as-of %q is not a date", asOf)
	}
	// The accounts are walked in chunks by id, each chunk's tracking saved
	// on its own: memory holds one chunk, not a million accounts. A pass
	// cut short is completed by the next, which records nothing twice.
	var p Pass
	size := r.Chunk
	if size <= 0 {
		size = DefaultChunk
	}
	after := ""
	for {
		facts, err := r.DB.FactsAfter(ctx, r.Fields, after, size)
		if err != nil {
			return Pass{}, fmt.Errorf("calibration: %w", err)
		}
		last := len(facts) < size
		through := ""
		if !last {
			through = facts[len(facts)-1].ID
		}
		if err := r.chunk(ctx, facts, after, through, asOf, &p); err != nil {
			return Pass{}, err
		}
		if last {
			break
		}
		after = through
	}
	keep := today.Add(-store.SnapshotKeep).Format(time.DateOnly)
	if p.Thinned, err = r.DB.ThinSnapshots(ctx, keep); err != nil {
		return Pass{}, fmt.Errorf("calibration: %w", err)
	}
	return p, nil
}

// chunk records the outcomes of facts, the accounts with ids in (after,
// through] (through "": every id after), against the tracked rows of the
// same range, and saves them; it adds its counts to p.
func (r *Recorder) chunk(ctx context.Context, facts []store.Fact, after, through, asOf string, p *Pass) error {
	tracked, err := r.DB.TrackedRange(ctx, after, through)
	if err != nil {
		return fmt.Errorf("calibration: %w", err)
	}
	var tr store.Tracking
	seen := make(map[string]bool, len(facts))
	for _, f := range facts {
		seen[f.ID] = true
		t, ok := tracked[f.ID]
		n, outs := step(t, ok, f, asOf)
		if !ok || !same(t, n) {
			tr.Upsert = append(tr.Upsert, n)
		}
		if !ok || !sameFloat(t.Active, f.Active) {
			tr.Usage = append(tr.Usage, store.UsageChange{AccountID: f.ID, Day: asOf, Active: f.Active})
		}
		tr.Outcomes = append(tr.Outcomes, outs...)
	}
	for id, t := range tracked {
		if seen[id] {
			continue
		}
		// Gone from the managed scope (deleted, or no longer matched).
		tr.Delete = append(tr.Delete, id)
		if t.Anniversary != "" && t.Paying {
			tr.Outcomes = append(tr.Outcomes, renewal(t, store.Churned, asOf))
		}
		if t.Onboard != "" {
			tr.Outcomes = append(tr.Outcomes, onboarding(t, store.Lost, asOf))
		}
	}
	for i := range tr.Outcomes {
		o := &tr.Outcomes[i]
		if o.Kind != store.KindRenewal {
			continue
		}
		a, _ := time.Parse(time.DateOnly, o.Anniversary)
		days := make([]string, len(Horizons))
		for k, h := range Horizons {
			days[k] = a.AddDate(0, 0, -h).Format(time.DateOnly)
		}
		st, err := r.DB.StatusesOn(ctx, o.AccountID, days...)
		if err != nil {
			return fmt.Errorf("calibration: %w", err)
		}
		o.Status120, o.Status60, o.Status30 = st[0], st[1], st[2]
	}
	for _, o := range tr.Outcomes {
		switch o.Result {
		case store.Renewed:
			p.Renewed++
		case store.Churned:
			p.Churned++
		case store.Retained:
			p.Retained++
		case store.Lost:
			p.Lost++
		}
	}
	p.Followed += len(facts)
	if err := r.DB.SaveTracking(ctx, tr); err != nil {
		return fmt.Errorf("calibration: %w", err)
	}
	return nil
}

// step returns what to keep of account f after this pass, given what the
// last pass kept (t, when ok), and the outcomes it shows.
func step(t store.Tracked, ok bool, f store.Fact, asOf string) (store.Tracked, []store.Outcome) {
	paying := f.Status != ""
	n := t
	if !ok {
		n = store.Tracked{AccountID: f.ID}
	}
	n.Seen, n.Active = asOf, f.Active
	if !ok && paying {
		n.Value = f.Value
	}
	var outs []store.Outcome

	// Renewals.
	switch a := n.Anniversary; {
	case a == "":
	case !paying:
		outs = append(outs, renewal(n, store.Churned, asOf))
		n.Anniversary = ""
	case f.Renewal > a && (a <= asOf || yearMove(a, f.Renewal)):
		outs = append(outs, renewal(n, store.Renewed, asOf))
		n.Anniversary = f.Renewal
	case f.Renewal != a:
		// Edited by hand: follow the new date if it lies ahead.
		n.Anniversary = ""
	}
	if paying && n.Anniversary == "" && f.Renewal >= asOf && f.Renewal != "" {
		n.Anniversary = f.Renewal
	}
	n.Paying = paying
	if paying {
		n.Value = f.Value // an outcome above carries the value of the contract that ended
	}

	// Onboarding: the 90-day outcome, then one year after the start.
	switch {
	case strings.HasPrefix(f.Status, "90 Day OnBoard-Good"):
		n.Onboard = "Good"
	case strings.HasPrefix(f.Status, "90 Day OnBoard-Poor"):
		n.Onboard = "Poor"
	}
	if strings.Contains(f.Status, "Day OnBoard-") {
		if n.Onboarded == "" {
			n.Onboarded = asOf
		}
		if f.Start != "" {
			n.Start = f.Start
		}
	}
	if strings.HasPrefix(f.Status, "Core-") && n.Onboarded != "" && n.CoreDay == "" {
		n.CoreDay = asOf
	}
	if n.Onboard != "" {
		switch {
		case !paying:
			outs = append(outs, onboarding(n, store.Lost, asOf))
			n.Onboard = ""
		case n.Start != "" && anniversaryOf(n.Start) <= asOf:
			outs = append(outs, onboarding(n, store.Retained, asOf))
			n.Onboard = ""
		}
	}
	return n, outs
}

func renewal(t store.Tracked, result, asOf string) store.Outcome {
	return store.Outcome{AccountID: t.AccountID, Kind: store.KindRenewal, Anniversary: t.Anniversary, Result: result,
		Decided: asOf, Value: t.Value}
}

func onboarding(t store.Tracked, result, asOf string) store.Outcome {
	a := anniversaryOf(t.Start)
	if a == "" {
		a = asOf
	}
	return store.Outcome{AccountID: t.AccountID, Kind: store.KindOnboarding, Anniversary: a, Result: result,
		Decided: asOf, Onboard: t.Onboard, Value: t.Value}
}

// anniversaryOf returns the day one year after start, "" for no date.
func anniversaryOf(start string) string {
	d, err := time.Parse(time.DateOnly, start)
	if err != nil {
		return ""
	}
	return d.AddDate(1, 0, 0).Format(time.DateOnly)
}

// yearMove reports whether a renewal date moved from a to b by about a
// year (EarlyMin to EarlyMax days).
func yearMove(a, b string) bool {
	da, err1 := time.Parse(time.DateOnly, a)
	db, err2 := time.Parse(time.DateOnly, b)
	if err1 != nil || err2 != nil {
		return false
	}
	d := int(db.Sub(da).Hours() / 24)
	return d >= EarlyMin && d <= EarlyMax
}

func same(a, b store.Tracked) bool {
	return a.Anniversary == b.Anniversary && sameFloat(a.Value, b.Value) && a.Paying == b.Paying && a.Start == b.Start &&
		a.Onboard == b.Onboard && a.Onboarded == b.Onboarded && a.CoreDay == b.CoreDay && sameFloat(a.Active, b.Active)
}

func sameFloat(a, b *float64) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}
