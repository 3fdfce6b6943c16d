package main

import (
	"context"

	"github.com/lifecycled/lifecycled/config"
	"github.com/lifecycled/lifecycled/internal/calibration"
	"github.com/lifecycled/lifecycled/internal/store"
)

// factFields returns the API names of the config's mapped fields that the
// report and the calibration recorder read (by their names in rules:
// renewal_date, start_date, active_users, seats, last_activity, and the
// arr or revenue number field).
func factFields(cfg *config.Config) store.FactFields {
	var f store.FactFields
	for _, fl := range cfg.Fields {
		switch fl.Name {
		case "renewal_date":
			f.Renewal = fl.APIName
		case "start_date":
			f.Start = fl.APIName
		case "active_users":
			f.Active = fl.APIName
		case "seats":
			f.Seats = fl.APIName
		case "last_activity":
			f.Activity = fl.APIName
		}
	}
	f.Value = cfg.RevenueField()
	return f
}

// metaCalibrationDay is the store's meta key for the as-of day of the last
// calibration pass.
const metaCalibrationDay = "calibration_day"

// recordOutcomes runs the calibration recorder on the store after cycle r:
// renewal and onboarding outcomes as of the cycle's as-of day. A cycle that
// computed nothing (no as-of day) records nothing. Outcomes and usage are
// kept by the day and a pass reads every account, so it runs once a day and
// after each full pull: the cycles in between stay as cheap as their pulls.
func (m *Main) recordOutcomes(ctx context.Context, r store.Run) {
	if r.AsOf == "" || m.Store == nil {
		return
	}
	if last, err := m.Store.Meta(ctx, metaCalibrationDay); err == nil && last == r.AsOf && r.Kind != "full" {
		return
	}
	rec := &calibration.Recorder{DB: m.Store, Fields: factFields(m.Config)}
	p, err := rec.Record(ctx, r.AsOf)
	if err != nil {
		m.Logger.Warn("record renewal outcomes", "component", "calibration", "error", err)
		return
	}
	if err := m.Store.SetMeta(ctx, metaCalibrationDay, r.AsOf); err != nil {
		m.Logger.Warn("record renewal outcomes", "component", "calibration", "error", err)
	}
	if p.Renewed+p.Churned+p.Retained+p.Lost > 0 {
		m.Logger.Info("outcomes recorded", "component", "calibration", "renewed", p.Renewed, "churned", p.Churned,
			"retained", p.Retained, "lost", p.Lost)
	}
}
