package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/lifecycled/lifecycled/internal/store"
)

// runHistory is `lifecycled history ACCOUNT_ID`: one account's status
// changes, oldest first, read from the state file without the daemon's lock.
func runHistory(ctx context.Context, args []string, s stdio) error {
	fs := newFlagSet("history", "history [--config FILE] [--format table|json|csv] ACCOUNT_ID", s)
	c := common{offline: true}
	c.register(fs)
	var format string
	choiceVar(fs, &format, "format", "table", "output format (json adds the inputs of each change)", tableFormats, nil)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := oneAccountID(fs); err != nil {
		return err
	}
	id := fs.Arg(0)
	_, db, err := c.openState(s)
	if err != nil {
		return err
	}
	defer db.Close()

	entries, err := db.History(ctx, id)
	if err != nil {
		return err
	}
	acct, err := db.Account(ctx, id)
	known := err == nil
	switch {
	case errors.Is(err, store.ErrNotFound):
		if len(entries) == 0 {
			return fmt.Errorf("account %s is not in the state file (never pulled, or out of scope)", id)
		}
	case err != nil:
		return err
	}
	switch format {
	case "json":
		return writeHistoryJSON(s.out, id, entries)
	case "csv":
		return writeHistoryCSV(s.out, id, entries)
	}
	return writeHistory(s.out, id, known, acct, entries)
}

func writeHistory(w io.Writer, id string, known bool, a store.Account, entries []store.HistoryEntry) error {
	if known {
		fmt.Fprintf(w, "Account %s: status %s in Salesforce, %s computed as of %s\n", id,
			historyValue(a.CRMStatus), historyValue(a.DesiredStatus), orDash(a.AsOf))
	} else {
		fmt.Fprintf(w, "Account %s: no longer managed (deleted or out of scope)\n", id)
	}
	if len(entries) == 0 {
		_, err := fmt.Fprintln(w, "No status change recorded.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tFROM\tTO\tAT\tAS OF")
	for _, h := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", h.Kind, historyValue(h.From), historyValue(h.To),
			h.At.Local().Format(time.DateTime), orDash(h.AsOf))
	}
	return tw.Flush()
}

// historyJSON is one entry of `history --format json`.
type historyJSON struct {
	Kind   string          `json:"kind"`
	From   *string         `json:"from"`
	To     *string         `json:"to"`
	At     time.Time       `json:"at"`
	AsOf   string          `json:"as_of"`
	Inputs json.RawMessage `json:"inputs,omitempty"`
}

func writeHistoryJSON(w io.Writer, id string, entries []store.HistoryEntry) error {
	out := struct {
		AccountID string        `json:"account_id"`
		Changes   []historyJSON `json:"changes"`
	}{AccountID: id, Changes: []historyJSON{}}
	for _, h := range entries {
		e := historyJSON{Kind: h.Kind, From: h.From, To: h.To, At: h.At, AsOf: h.AsOf}
		if json.Valid(h.Inputs) {
			e.Inputs = h.Inputs
		}
		out.Changes = append(out.Changes, e)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// historyCSVHeader is the first line of `history --format csv`: one line a
// change, oldest first; from and to empty for no status, at in RFC 3339.
var historyCSVHeader = []string{"account_id", "kind", "from", "to", "at", "as_of"}

func writeHistoryCSV(w io.Writer, id string, entries []store.HistoryEntry) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(historyCSVHeader)
	for _, h := range entries {
		_ = cw.Write([]string{id, h.Kind, deref(h.From), deref(h.To), h.At.UTC().Format(time.RFC3339), h.AsOf})
	}
	cw.Flush()
	return cw.Error()
}

// historyValue renders a status value; nil and "" are "(none)".
func historyValue(v *string) string {
	if v == nil || *v == "" {
		return "(none)"
	}
	return *v
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
