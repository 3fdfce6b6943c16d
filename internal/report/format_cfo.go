package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/lifecycled/lifecycled/internal/calibration"
)

// money2 renders an amount for CSV: two decimals, no separators.
func money2(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// rate4 renders a rate for CSV: four decimals.
func rate4(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }

// writeCFOCSV writes the money, usage, calibration and trend tables one
// figure a line. Sections and keys:
//
//	money_bucket      key "RISK/accounts|valued|value|rate|forecast|measured"
//	money_month       day the month (YYYY-MM, "" not ahead), key accounts|value|forecast
//	money_total       key accounts|value|forecast|unvalued
//	money_unvalued    key the account's Id, value its status
//	utilization       key "STATUS/BIN", value accounts
//	usage             key inactive|declining
//	inactive          key the account's Id, value its status
//	declining         key the account's Id, value "FROM->TO"
//	calibration       key "DAYS/RISK/renewed|total|rate|low|high" (low, high only with an interval)
//	calibration_onboarding  key "Good|Poor/retained|total|rate|low|high"
//	calibration_verdict     key the separation, value the sentence
//	trend             day, key "VIEW/paying|low|average|high"
//	transition        key "FROM->TO", value changes
//	time_to_onboard   key the bin, value accounts
func writeCFOCSV(row func(section, day, key, value string), f *Figures) {
	n := strconv.Itoa
	if m := f.Cash; m != nil {
		for _, b := range m.Buckets {
			row("money_bucket", f.Today, b.Risk+"/accounts", n(b.Accounts))
			row("money_bucket", f.Today, b.Risk+"/valued", n(b.Valued))
			row("money_bucket", f.Today, b.Risk+"/value", money2(b.Value))
			row("money_bucket", f.Today, b.Risk+"/rate", rate4(b.Rate))
			row("money_bucket", f.Today, b.Risk+"/forecast", money2(b.Forecast))
			row("money_bucket", f.Today, b.Risk+"/measured", strconv.FormatBool(b.Measured))
		}
		for _, mm := range m.Months {
			row("money_month", mm.Month, "accounts", n(mm.Accounts))
			row("money_month", mm.Month, "value", money2(mm.Value))
			row("money_month", mm.Month, "forecast", money2(mm.Forecast))
		}
		row("money_total", f.Today, "accounts", n(m.Accounts))
		row("money_total", f.Today, "value", money2(m.Value))
		row("money_total", f.Today, "forecast", money2(m.Forecast))
		row("money_total", f.Today, "unvalued", n(m.Unvalued))
		for _, a := range m.UnvaluedAccounts {
			row("money_unvalued", f.Today, a.ID, a.Status)
		}
	}
	if u := f.Usage; u != nil {
		for _, r := range u.Utilization {
			for i, c := range r.Counts {
				row("utilization", f.Today, r.Status+"/"+u.Bins[i], n(c))
			}
		}
		row("usage", f.Today, "inactive", n(u.Inactive))
		row("usage", f.Today, "declining", n(u.Declining))
		for _, a := range u.InactiveAccounts {
			row("inactive", f.Today, a.ID, a.Status)
		}
		for _, a := range u.DecliningAccts {
			row("declining", f.Today, a.ID, fmt.Sprintf("%g->%g", a.From, a.To))
		}
	}
	writeCalibrationCSV(row, f)
	if t := f.Trend; t != nil {
		for _, v := range t.Views {
			for _, d := range v.Days {
				row("trend", d.Day, v.Name+"/paying", n(d.Paying))
				row("trend", d.Day, v.Name+"/low", n(d.Low))
				row("trend", d.Day, v.Name+"/average", n(d.Average))
				row("trend", d.Day, v.Name+"/high", n(d.High))
			}
		}
		for _, x := range t.Transitions {
			row("transition", f.Today, x.From+"->"+x.To, n(x.Changes))
		}
		for i, b := range t.OnboardBins {
			row("time_to_onboard", f.Today, b, n(t.Onboarded[i]))
		}
	}
}

func writeCalibrationCSV(row func(section, day, key, value string), f *Figures) {
	n := strconv.Itoa
	rate := func(section, prefix string, r calibration.Rate, success string) {
		row(section, f.Today, prefix+"/"+success, n(r.Success))
		row(section, f.Today, prefix+"/total", n(r.Total))
		row(section, f.Today, prefix+"/rate", rate4(r.Rate))
		if r.Interval {
			row(section, f.Today, prefix+"/low", rate4(r.Low))
			row(section, f.Today, prefix+"/high", rate4(r.High))
		}
	}
	c := f.Calibration
	for _, h := range c.Horizons {
		for _, b := range h.Buckets {
			rate("calibration", fmt.Sprintf("%d/%s", h.Days, b.Group), b, "renewed")
		}
	}
	for _, r := range c.Onboarding {
		rate("calibration_onboarding", r.Group, r, "retained")
	}
	row("calibration_verdict", f.Today, c.Separation, c.Verdict)
}

// interval renders a rate with its interval, or says there is none.
func interval(r calibration.Rate) string {
	if r.Total == 0 {
		return "-"
	}
	if !r.Interval {
		return fmt.Sprintf("%.0f%% (too few for an interval)", 100*r.Rate)
	}
	return fmt.Sprintf("%.0f%% (95%%: %.0f-%.0f%%)", 100*r.Rate, 100*r.Low, 100*r.High)
}

// writeCFOTable writes the money, usage and trend tables.
func writeCFOTable(tw *tabwriter.Writer, f *Figures) {
	if m := f.Cash; m != nil {
		fmt.Fprintf(tw, "\nContract value renewing in the next %d days", m.Days)
		if m.Field == "" {
			fmt.Fprint(tw, " (no contract value mapped: map `arr` in fields)")
		} else {
			fmt.Fprintf(tw, " (%s)", m.Field)
		}
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "RISK\tACCOUNTS\tVALUED\tVALUE\tRATE\tRATE SOURCE\tFORECAST")
		for _, b := range m.Buckets {
			src := "default"
			if b.Measured {
				src = "measured"
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%.0f%%\t%s\t%s\n", b.Risk, b.Accounts, b.Valued, Money(b.Value), 100*b.Rate, src, Money(b.Forecast))
		}
		fmt.Fprintf(tw, "Total\t%d\t\t%s\t\t\t%s\n", m.Accounts, Money(m.Value), Money(m.Forecast))
		fmt.Fprintln(tw, "MONTH\tACCOUNTS\tVALUE\tFORECAST")
		for _, mm := range m.Months {
			month := mm.Month
			if month == "" {
				month = "(date not ahead)"
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", month, mm.Accounts, Money(mm.Value), Money(mm.Forecast))
		}
		fmt.Fprintf(tw, "Accounts without a value: %d\n", m.Unvalued)
		for _, a := range m.UnvaluedAccounts {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", a.ID, a.Name, a.Status)
		}
	}
	if u := f.Usage; u != nil {
		fmt.Fprintln(tw, "\nSeat utilization (active users / seats) per status")
		fmt.Fprintf(tw, "STATUS\tACCOUNTS\t%s\n", strings.Join(u.Bins, "\t"))
		for _, r := range u.Utilization {
			fmt.Fprintf(tw, "%s\t%d", r.Status, r.Accounts)
			for _, c := range r.Counts {
				fmt.Fprintf(tw, "\t%d", c)
			}
			fmt.Fprintln(tw)
		}
		if u.ActivityField == "" {
			fmt.Fprintln(tw, "No activity in 30 days: no last_activity field mapped")
		} else {
			fmt.Fprintf(tw, "Paying accounts with no activity in %d days: %d\n", InactiveDays, u.Inactive)
		}
		fmt.Fprintf(tw, "Paying accounts whose usage fell by more than a third in %d days: %d\n", DeclineDays, u.Declining)
		for _, a := range u.DecliningAccts {
			fmt.Fprintf(tw, "  %s\t%s\t%g -> %g\n", a.ID, a.Status, a.From, a.To)
		}
	}
	fmt.Fprintln(tw)
	writeCalibrationTable(tw, f)
	if t := f.Trend; t != nil {
		fmt.Fprintf(tw, "\nStatus transitions, %s to %s\n", f.Since, f.Today)
		fmt.Fprintln(tw, "FROM\tTO\tCHANGES")
		for _, x := range t.Transitions {
			fmt.Fprintf(tw, "%s\t%s\t%d\n", orNone(x.From), orNone(x.To), x.Changes)
		}
		fmt.Fprintln(tw, "\nTime to onboard (days from start to the first core status)")
		fmt.Fprintln(tw, "DAYS\tACCOUNTS")
		for i, b := range t.OnboardBins {
			fmt.Fprintf(tw, "%s\t%d\n", b, t.Onboarded[i])
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func writeCalibrationTable(tw *tabwriter.Writer, f *Figures) {
	c := f.Calibration
	fmt.Fprintf(tw, "Do the criteria predict renewal? (%d renewed, %d churned)\n", c.Renewed, c.Churned)
	fmt.Fprint(tw, "BUCKET")
	for _, h := range c.Horizons {
		fmt.Fprintf(tw, "\t%d DAYS BEFORE\tN", h.Days)
	}
	fmt.Fprintln(tw)
	for i, b := range calibration.Buckets {
		fmt.Fprint(tw, b)
		for _, h := range c.Horizons {
			fmt.Fprintf(tw, "\t%s\t%d", interval(h.Buckets[i]), h.Buckets[i].Total)
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprintln(tw, c.Verdict)
	fmt.Fprintln(tw, "90-DAY ONBOARDING\tRETAINED AFTER ONE YEAR\tN")
	for _, r := range c.Onboarding {
		fmt.Fprintf(tw, "%s\t%s\t%d\n", r.Group, interval(r), r.Total)
	}
}

// WriteCalibration writes only the calibration (`report --calibration`) in
// format: "table", "csv" (the calibration sections of WriteCSV) or "json"
// (the Summary).
func WriteCalibration(w io.Writer, f *Figures, format string) error {
	switch format {
	case "table":
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		writeCalibrationTable(tw, f)
		return tw.Flush()
	case "csv":
		return writeRows(w, func(row func(section, day, key, value string)) { writeCalibrationCSV(row, f) })
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(f.Calibration)
	}
	return fmt.Errorf("format %q: want table, csv or json", format)
}
