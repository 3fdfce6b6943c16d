package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"text/tabwriter"

	"github.com/lifecycled/lifecycled/internal/engine"
)

// Formats of the commands whose output is tabular (plan, status, report,
// history, explain): "table" for people, "json" and "csv" for programs.
var tableFormats = []string{"table", "json", "csv"}

// runPlan is `lifecycled plan`: a dry run that reads Salesforce and writes
// nothing anywhere.
func runPlan(ctx context.Context, args []string, s stdio) error {
	fs := newFlagSet("plan", "plan [--config FILE] [--as-of YYYY-MM-DD] [--sample N] [--format table|json|csv]", s)
	var c common
	c.register(fs)
	var asOf, format string
	dateVar(fs, &asOf, "as-of", "compute as of this date (default: today in sync.timezone)")
	sample := fs.Int("sample", 20, "how many changes to list")
	choiceVar(fs, &format, "format", "table", "output format (text: an alias of table)", tableFormats,
		map[string]string{"text": "table"})
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fs, "unexpected argument %q", fs.Arg(0))
	}
	m, err := c.connect(ctx, s, false)
	if m != nil {
		defer m.Close()
	}
	if err != nil {
		return err
	}
	date, err := asOfFlag(asOf, m.Config)
	if err != nil {
		return err
	}
	p, err := m.Engine.Plan(ctx, date, *sample)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	case "csv":
		return writePlanCSV(s.out, p)
	}
	if err := printPlan(s.out, p); err != nil {
		return err
	}
	pp, err := m.planPlays(ctx)
	if err != nil {
		return err
	}
	if len(m.Config.Plays) > 0 {
		fmt.Fprintf(s.out, "\nPlays: the next cycle would send %d tasks and %d webhooks (pending, and for the transitions already recorded).\n",
			pp.Tasks, pp.Webhooks)
	}
	return nil
}

// planCSVHeader is the first line of `plan --format csv`. Count rows
// (section summary, status or tag) carry key and count; change rows carry
// the account's Id as key, and field, old and new (null as empty).
var planCSVHeader = []string{"section", "key", "count", "field", "old", "new"}

func writePlanCSV(w io.Writer, p engine.PlanResult) error {
	cw := csv.NewWriter(w)
	n := strconv.Itoa
	_ = cw.Write(planCSVHeader)
	for _, kv := range []struct {
		k string
		v int
	}{{"accounts", p.Accounts}, {"writes", p.Writes}, {"fields", p.Fields}, {"rejected", p.Rejected}, {"invalid", p.Invalid}} {
		_ = cw.Write([]string{"summary", kv.k, n(kv.v), "", "", ""})
	}
	for _, k := range sortedKeys(p.Statuses) {
		_ = cw.Write([]string{"status", k, n(p.Statuses[k]), "", "", ""})
	}
	for _, k := range sortedKeys(p.Tags) {
		_ = cw.Write([]string{"tag", k, n(p.Tags[k]), "", "", ""})
	}
	for _, c := range p.Sample {
		_ = cw.Write([]string{"change", c.AccountID, "", c.Field, deref(c.Old), deref(c.New)})
	}
	cw.Flush()
	return cw.Error()
}

// deref returns *s, or "" for nil.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func printPlan(w io.Writer, p engine.PlanResult) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Plan as of %s: %d accounts, %d would be written (%d field values), %d rejected, %d with unreadable data.\n\n",
		p.AsOf, p.Accounts, p.Writes, p.Fields, p.Rejected, p.Invalid)
	fmt.Fprintln(tw, "STATUS\tACCOUNTS")
	for _, k := range sortedKeys(p.Statuses) {
		name := k
		if name == "" {
			name = "(none)"
		}
		fmt.Fprintf(tw, "%s\t%d\n", name, p.Statuses[k])
	}
	fmt.Fprintln(tw, "\nTAG\tACCOUNTS")
	for _, k := range sortedKeys(p.Tags) {
		fmt.Fprintf(tw, "%s\t%d\n", k, p.Tags[k])
	}
	if len(p.Sample) > 0 {
		fmt.Fprintf(tw, "\nSample of changes (%d):\nACCOUNT\tFIELD\tOLD\tNEW\n", len(p.Sample))
		for _, c := range p.Sample {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.AccountID, c.Field, show(c.Old), show(c.New))
		}
	}
	return tw.Flush()
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// show prints a nullable value: null as "null", text quoted.
func show(s *string) string {
	if s == nil {
		return "null"
	}
	return fmt.Sprintf("%q", *s)
}
