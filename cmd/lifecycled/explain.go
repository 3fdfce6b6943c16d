package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/lifecycled/lifecycled/mapping"
)

// runExplain is `lifecycled explain ACCOUNT_ID`: why an account has its tags
// and status.
func runExplain(ctx context.Context, args []string, s stdio) error {
	fs := newFlagSet("explain", "explain [--config FILE] [--as-of YYYY-MM-DD] [--format table|json|csv] ACCOUNT_ID", s)
	var c common
	c.register(fs)
	var asOf, format string
	dateVar(fs, &asOf, "as-of", "explain as of this date (default: today in sync.timezone)")
	choiceVar(fs, &format, "format", "table", "output format", tableFormats, nil)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := oneAccountID(fs); err != nil {
		return err
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
	ex, err := m.Engine.Explain(ctx, fs.Arg(0), date)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		return enc.Encode(ex)
	case "csv":
		return writeExplainCSV(s.out, ex)
	}
	if _, err = fmt.Fprint(s.out, ex.String()); err != nil {
		return err
	}
	return explainPlays(ctx, s.out, m.Config.State.Path, ex.ID)
}

// explainPlays lists the plays an account has fired, from the state file
// (read-only); nothing when there is no state file or no play fired.
func explainPlays(ctx context.Context, w io.Writer, statePath, id string) error {
	db, err := openStateReadOnly(statePath)
	if err != nil {
		return nil
	}
	defer db.Close()
	acts, err := db.AccountPlays(ctx, id)
	if err != nil || len(acts) == 0 {
		return err
	}
	fmt.Fprintf(w, "\nPlays fired (%d):\n", len(acts))
	return writePlayActions(w, acts)
}

// explainCSVHeader is the first line of `explain --format csv`. Rows by
// section: input (name, detail the API name, value), derived (name, detail
// the expression, value), smart_list (name the tag, detail its condition,
// matched), status_rule (name its 1-based number, detail its condition,
// value its status, matched: whether it fired), otherwise (value the status
// when no rule fired), result (name tags or status, detail the current
// value, value the computed one, matched: whether a write is needed) and
// rejected (value the reason). A null value is empty.
var explainCSVHeader = []string{"section", "name", "detail", "value", "matched"}

func writeExplainCSV(w io.Writer, ex mapping.Explanation) error {
	cw := csv.NewWriter(w)
	row := func(cells ...string) { _ = cw.Write(cells) }
	b := strconv.FormatBool
	row(explainCSVHeader...)
	for _, v := range ex.Inputs {
		row("input", v.Name, v.APIName, csvValue(v.Value), "")
	}
	for _, v := range ex.Derived {
		row("derived", v.Name, v.Expr, csvValue(v.Value), "")
	}
	for _, l := range ex.SmartLists {
		row("smart_list", l.Tag, l.When, "", b(l.Matched))
	}
	for i, r := range ex.StatusRules {
		row("status_rule", strconv.Itoa(i+1), r.When, r.Value, b(r.Matched))
	}
	if ex.StatusRule == 0 {
		row("otherwise", "", "", deref(ex.Result.Status), "")
	}
	r := ex.Result
	row("result", "tags", deref(ex.CurrentTags), deref(r.Tags), b(r.TagsChanged))
	row("result", "status", deref(ex.CurrentStatus), deref(r.Status), b(r.StatusChanged))
	if r.Rejected != "" {
		row("rejected", "", "", r.Rejected, "")
	}
	cw.Flush()
	return cw.Error()
}

// csvValue renders an input or derived value: nil empty, others as fmt
// prints them (a date as YYYY-MM-DD).
func csvValue(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}
