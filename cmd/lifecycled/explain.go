package main

import (
	"context"
	"encoding/json"
	"fmt"
)

// runExplain is `lifecycled explain ACCOUNT_ID`: why an account has its tags
// and status.
func runExplain(ctx context.Context, args []string, s stdio) error {
	fs := newFlagSet("explain", "explain [--config FILE] [--as-of YYYY-MM-DD] ACCOUNT_ID", s)
	var c common
	c.register(fs)
	asOf := fs.String("as-of", "", "explain as of this date (default: today in sync.timezone)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
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
	ex, err := m.Engine.Explain(ctx, fs.Arg(0), date)
	if err != nil {
		return err
	}
	if st, ok := any(ex).(fmt.Stringer); ok {
		_, err = fmt.Fprint(s.out, st.String())
		return err
	}
	enc := json.NewEncoder(s.out)
	enc.SetIndent("", "  ")
	return enc.Encode(ex)
}
