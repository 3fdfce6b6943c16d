package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/lifecycled/lifecycled/internal/engine"
)

// runPlan is `lifecycled plan`: a dry run that reads Salesforce and writes
// nothing anywhere.
func runPlan(ctx context.Context, args []string, s stdio) error {
	fs := newFlagSet("plan", "plan [--config FILE] [--as-of YYYY-MM-DD] [--sample N] [--format text|json]", s)
	var c common
	c.register(fs)
	asOf := fs.String("as-of", "", "compute as of this date (default: today in sync.timezone)")
	sample := fs.Int("sample", 20, "how many changes to list")
	format := fs.String("format", "text", "output format: text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return fmt.Errorf("--format %q: want text or json", *format)
	}
	m, err := c.connect(ctx, s, false)
	if m != nil {
		defer m.Close()
	}
	if err != nil {
		return err
	}
	date, err := asOfFlag(*asOf, m.Config)
	if err != nil {
		return err
	}
	p, err := m.Engine.Plan(ctx, date, *sample)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	return printPlan(s.out, p)
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
