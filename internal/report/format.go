package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"text/tabwriter"
	"time"
)

// Formats are the output formats of Write.
var Formats = []string{"table", "csv", "json"}

// Write writes f in format: "table" (for people), "csv" (one figure a
// line: section, day, key, value) or "json" (Figures as is).
func Write(w io.Writer, f *Figures, format string) error {
	switch format {
	case "table":
		return WriteTable(w, f)
	case "csv":
		return WriteCSV(w, f)
	case "json":
		return WriteJSON(w, f)
	}
	return fmt.Errorf("format %q: want table, csv or json", format)
}

// WriteJSON writes f as one indented JSON object.
func WriteJSON(w io.Writer, f *Figures) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(f)
}

// CSVHeader is the first line WriteCSV writes.
var CSVHeader = []string{"section", "day", "key", "value"}

// WriteCSV writes one figure a line, under CSVHeader. Sections: status
// (paying accounts per status, day = today), no_status, onboarding (key
// "30/good"...), core (key "Good"...), renewal and renewal_revenue (key the
// risk; revenue only when a revenue field is mapped), history (day, status,
// accounts), pending, rejections (key the error code), run (day the run
// started, key its id, value its outcome), then the money, usage,
// calibration and trend sections (see writeCFOCSV).
func WriteCSV(w io.Writer, f *Figures) error {
	cw := csv.NewWriter(w)
	row := func(section, day, key, value string) { _ = cw.Write([]string{section, day, key, value}) }
	n := strconv.Itoa
	_ = cw.Write(CSVHeader)
	for _, s := range f.Statuses {
		row("status", f.Today, s.Status, n(s.Accounts))
	}
	row("no_status", f.Today, "", n(f.NoStatus))
	for _, c := range f.Onboarding {
		row("onboarding", f.Today, fmt.Sprintf("%d/good", c.Day), n(c.Good))
		row("onboarding", f.Today, fmt.Sprintf("%d/poor", c.Day), n(c.Poor))
	}
	for _, t := range f.Core {
		row("core", f.Today, t.Tier, n(t.Accounts))
	}
	for _, r := range f.Renewals {
		row("renewal", f.Today, r.Risk, n(r.Accounts))
	}
	if f.RevenueField != "" {
		for _, r := range f.Renewals {
			row("renewal_revenue", f.Today, r.Risk, strconv.FormatFloat(r.Revenue, 'f', 2, 64))
		}
	}
	for _, d := range f.History {
		for _, s := range f.HistoryStatuses {
			if c, ok := d.Counts[s]; ok {
				row("history", d.Day, s, n(c))
			}
		}
	}
	row("pending", f.Today, "", n(f.Pending))
	for _, code := range sortedKeys(f.RejectionCodes) {
		row("rejections", f.Today, code, n(f.RejectionCodes[code]))
	}
	for _, r := range f.Runs {
		row("run", r.Started.Format(time.DateOnly), strconv.FormatInt(r.ID, 10), r.Outcome)
	}
	writeCFOCSV(row, f)
	cw.Flush()
	return cw.Error()
}

// writeRows writes the rows fill gives under CSVHeader.
func writeRows(w io.Writer, fill func(row func(section, day, key, value string))) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(CSVHeader)
	fill(func(section, day, key, value string) { _ = cw.Write([]string{section, day, key, value}) })
	cw.Flush()
	return cw.Error()
}

// WriteTable writes f as aligned tables for a terminal.
func WriteTable(w io.Writer, f *Figures) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Paying accounts per lifecycle status, %s\n", f.Today)
	fmt.Fprintln(tw, "STATUS\tACCOUNTS\tSHARE")
	for _, s := range f.Statuses {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", s.Status, s.Accounts, percent(s.Accounts, f.Paying))
	}
	fmt.Fprintf(tw, "Total\t%d\t\n", f.Paying)
	fmt.Fprintf(tw, "(no status: not paying, or no start date)\t%d\t\n", f.NoStatus)

	fmt.Fprintln(tw, "\nDid our latest customers onboard well? (started in the last 90 days)")
	fmt.Fprintln(tw, "CHECKPOINT\tGOOD\tPOOR\tGOOD SHARE")
	for _, c := range f.Onboarding {
		fmt.Fprintf(tw, "%d days\t%d\t%d\t%s\n", c.Day, c.Good, c.Poor, percent(c.Good, c.Good+c.Poor))
	}

	fmt.Fprintln(tw, "\nAre our customers using the product? (core)")
	fmt.Fprintln(tw, "HEALTH\tACCOUNTS\tSHARE")
	core := 0
	for _, t := range f.Core {
		core += t.Accounts
	}
	for _, t := range f.Core {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", t.Tier, t.Accounts, percent(t.Accounts, core))
	}

	fmt.Fprintln(tw, "\nCan we count on the renewal cash? (renewing in the next 120 days)")
	if f.RevenueField != "" {
		fmt.Fprintf(tw, "RISK\tACCOUNTS\t%s\n", f.RevenueField)
		for _, r := range f.Renewals {
			fmt.Fprintf(tw, "%s\t%d\t%s\n", r.Risk, r.Accounts, Money(r.Revenue))
		}
	} else {
		fmt.Fprintln(tw, "RISK\tACCOUNTS")
		for _, r := range f.Renewals {
			fmt.Fprintf(tw, "%s\t%d\n", r.Risk, r.Accounts)
		}
	}

	fmt.Fprintf(tw, "\nShare of paying accounts per status, %s to %s (%d daily snapshots)\n", f.Since, f.Until, len(f.History))
	if len(f.History) > 0 {
		fmt.Fprint(tw, "DAY\tTOTAL")
		for _, s := range f.HistoryStatuses {
			fmt.Fprintf(tw, "\t%s", s)
		}
		fmt.Fprintln(tw)
		for _, d := range f.History {
			fmt.Fprintf(tw, "%s\t%d", d.Day, d.Total)
			for _, s := range f.HistoryStatuses {
				fmt.Fprintf(tw, "\t%d (%s)", d.Counts[s], percent(d.Counts[s], d.Total))
			}
			fmt.Fprintln(tw)
		}
	}

	writeCFOTable(tw, f)
	fmt.Fprintln(tw)
	writeOperations(tw, f)
	return tw.Flush()
}

// WriteOperations writes f's runs, rejections and pending writes as aligned
// tables for a terminal.
func WriteOperations(w io.Writer, f *Figures) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	writeOperations(tw, f)
	return tw.Flush()
}

func writeOperations(tw *tabwriter.Writer, f *Figures) {
	fmt.Fprintln(tw, "Last runs")
	fmt.Fprintln(tw, "RUN\tKIND\tSTARTED\tSECONDS\tOUTCOME\tPULLED\tCHANGED\tWRITTEN\tFAILED\tREJECTED\tDRIFT\tAPI CALLS\tERROR")
	for _, r := range f.Runs {
		secs := "-"
		if s := r.Seconds(); s >= 0 {
			secs = fmt.Sprintf("%.1f", s)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", r.ID, r.Kind,
			r.Started.Format(time.DateTime), secs, r.Outcome, r.Pulled, r.Changed, r.Written, r.Failed,
			r.Rejected, r.Drift, r.APICalls, r.Error)
	}

	fmt.Fprintf(tw, "\nRejections: %d\n", f.Rejected)
	if len(f.Rejections) > 0 {
		fmt.Fprintln(tw, "ACCOUNT\tFIELD\tCODE\tLAST SEEN\tMESSAGE")
		for _, r := range f.Rejections {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.AccountID, r.Field, r.Code, r.LastSeen.Format(time.DateTime), r.Message)
		}
	}
	fmt.Fprintf(tw, "\nPending writes: %d\n", f.Pending)
	if len(f.Outbox) > 0 {
		fmt.Fprintln(tw, "ACCOUNT\tTAGS\tSTATUS\tATTEMPTS\tNEXT ATTEMPT\tLAST ERROR")
		for _, o := range f.Outbox {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", o.AccountID, Value(o.WriteTags, o.Tags),
				Value(o.WriteStatus, o.Status), o.Attempts, o.NextAttempt.Format(time.DateTime), o.LastError)
		}
	}
}

// Value renders a pending write's value: "-" when the field is not
// written, "(clear)" when it is cleared.
func Value(write bool, v *string) string {
	switch {
	case !write:
		return "-"
	case v == nil || *v == "":
		return "(clear)"
	}
	return *v
}

// Money renders an amount with thousands separators and no cents.
func Money(v float64) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatFloat(v, 'f', 0, 64)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// percent renders n/total as a percentage with one decimal.
func percent(n, total int) string {
	if total == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(total))
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// WriteOps writes the operations figures (runs, rejections, pending writes:
// what Operations reads) in format: "table" (WriteOperations), "csv"
// (WriteOperationsCSV) or "json" (WriteOperationsJSON).
func WriteOps(w io.Writer, f *Figures, format string) error {
	switch format {
	case "table":
		return WriteOperations(w, f)
	case "csv":
		return WriteOperationsCSV(w, f)
	case "json":
		return WriteOperationsJSON(w, f)
	}
	return fmt.Errorf("format %q: want table, csv or json", format)
}

// operationsJSON is the part of Figures that WriteOperationsJSON writes.
type operationsJSON struct {
	LastSuccess    *Run           `json:"last_success"`
	Runs           []Run          `json:"runs"`
	Rejected       int            `json:"rejected"`
	RejectionCodes map[string]int `json:"rejection_codes"`
	Rejections     []Rejection    `json:"rejections"`
	Pending        int            `json:"pending"`
	Outbox         []Pending      `json:"outbox"`
}

// WriteOperationsJSON writes f's runs, rejections and pending writes as one
// indented JSON object with the keys of Figures: last_success (null before
// the first successful run), runs, rejected, rejection_codes, rejections,
// pending and outbox.
func WriteOperationsJSON(w io.Writer, f *Figures) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	codes := f.RejectionCodes
	if codes == nil {
		codes = map[string]int{}
	}
	return enc.Encode(operationsJSON{LastSuccess: f.LastSuccess, Runs: f.Runs, Rejected: f.Rejected,
		RejectionCodes: codes, Rejections: f.Rejections, Pending: f.Pending, Outbox: f.Outbox})
}

// WriteOperationsCSV writes f's runs, rejections and pending writes one
// figure a line under CSVHeader (section, day, key, value), in the shape of
// WriteCSV: run (day the run started, key its id, value its outcome),
// rejections (key the error code, value the records held), rejection (day
// last seen, key the account's Id, value the error code), pending (value
// the outbox depth) and outbox (day of the next attempt, key the account's
// Id, value the attempts made).
func WriteOperationsCSV(w io.Writer, f *Figures) error {
	cw := csv.NewWriter(w)
	row := func(section, day, key, value string) { _ = cw.Write([]string{section, day, key, value}) }
	n := strconv.Itoa
	_ = cw.Write(CSVHeader)
	for _, r := range f.Runs {
		row("run", r.Started.Format(time.DateOnly), strconv.FormatInt(r.ID, 10), r.Outcome)
	}
	for _, code := range sortedKeys(f.RejectionCodes) {
		row("rejections", "", code, n(f.RejectionCodes[code]))
	}
	for _, r := range f.Rejections {
		row("rejection", r.LastSeen.Format(time.DateOnly), r.AccountID, r.Code)
	}
	row("pending", "", "", n(f.Pending))
	for _, o := range f.Outbox {
		row("outbox", o.NextAttempt.Format(time.DateOnly), o.AccountID, n(o.Attempts))
	}
	cw.Flush()
	return cw.Error()
}
