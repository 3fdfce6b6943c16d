package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/lifecycled/lifecycled/config"
	"github.com/lifecycled/lifecycled/mapping"
)

// evalLine is one account's result as `lifecycled eval` prints it.
type evalLine struct {
	ID            any      `json:"Id"`
	ManagedTags   []string `json:"managed_tags"`
	Tags          *string  `json:"tags"`
	Status        *string  `json:"status"`
	TagsChanged   bool     `json:"tags_changed"`
	StatusChanged bool     `json:"status_changed"`
	Rejected      *string  `json:"rejected"`
}

// runEval is `lifecycled eval`: it evaluates the rules over accounts read as
// JSON lines (Salesforce's record format) and prints one JSON line an
// account, in input order. It never contacts Salesforce: the fields' types
// come from the config's mapping. A bad line is reported on stderr with its
// line number and the others go on; the exit status is 1 when any was bad.
func runEval(ctx context.Context, args []string, s stdio) error {
	fs := newFlagSet("eval", "eval [--config FILE] [--as-of YYYY-MM-DD] [--tags-max-len N] [FILE.jsonl]\n\n"+
		"Reads accounts, one JSON object a line as a Salesforce query returns them (field API names;\n"+
		"\"attributes\" ignored), from FILE or standard input, and prints for each, in input order:\n"+
		`  {"Id":...,"managed_tags":[...],"tags":"new value"|null,"status":"new value"|null,`+"\n"+
		`   "tags_changed":bool,"status_changed":bool,"rejected":"reason"|null}`+"\n"+
		"Without --config (or LIFECYCLED_CONFIG) it uses the built-in default config and rule pack\n"+
		"(config/defaultpack.yaml). Credentials are not needed: eval never contacts Salesforce.", s)
	configPath := fs.String("config", os.Getenv("LIFECYCLED_CONFIG"),
		"config file whose fields and rules to use (env LIFECYCLED_CONFIG; default: the built-in default config)")
	var asOf string
	dateVar(fs, &asOf, "as-of", "evaluate as of this date (default: today in the config's sync.timezone)")
	maxLen := fs.Int("tags-max-len", 0, "reject a changed tags value longer than this many characters (0: no limit)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 1:
		return usageError(fs, "want at most one FILE, got %d arguments", fs.NArg())
	case *maxLen < 0:
		return usageError(fs, "invalid value %d for flag --tags-max-len: want 0 or more", *maxLen)
	}
	cfg := config.Default()
	if *configPath != "" {
		var err error
		if cfg, err = config.LoadOffline(*configPath, os.LookupEnv); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("config file %s not found", *configPath)
			}
			return err
		}
	}
	def := cfg.Definition()
	def.TagsMaxLen = *maxLen
	pack, err := mapping.Compile(def)
	if err != nil {
		return err
	}
	date, err := asOfFlag(asOf, cfg)
	if err != nil {
		return err
	}

	in, name := s.in, "stdin"
	if fs.NArg() == 1 && fs.Arg(0) != "-" {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return fmt.Errorf("open accounts: %w", err)
		}
		defer f.Close()
		in, name = f, fs.Arg(0)
	}
	out := bufio.NewWriterSize(s.out, 1<<16)
	total, bad, err := evalLines(ctx, pack, date, in, name, out, s.err)
	if ferr := out.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("write results: %w", ferr)
	}
	switch {
	case err != nil:
		return err
	case bad > 0:
		return fmt.Errorf("%d of %d accounts could not be read (see the lines above)", bad, total)
	}
	return nil
}

// evalLines evaluates every line of in, writing results to out and bad
// lines to errw. It returns the number of accounts and of bad lines.
func evalLines(ctx context.Context, pack *mapping.Pack, date mapping.Date, in io.Reader, name string, out, errw io.Writer) (total, bad int, err error) {
	r := bufio.NewReaderSize(in, 1<<16)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for lineNo := 1; ; lineNo++ {
		line, rerr := r.ReadBytes('\n')
		if rerr != nil && rerr != io.EOF {
			return total, bad, fmt.Errorf("read %s: %w", name, rerr)
		}
		if line = bytes.TrimSpace(line); len(line) > 0 {
			if lineNo%4096 == 0 && ctx.Err() != nil {
				return total, bad, ctx.Err()
			}
			total++
			res, id, err := evalRecord(pack, date, line)
			if err != nil {
				bad++
				fmt.Fprintf(errw, "%s:%d: %v\n", name, lineNo, err)
			} else {
				if err := enc.Encode(evalResult(res, id)); err != nil {
					return total, bad, fmt.Errorf("write results: %w", err)
				}
			}
		}
		if rerr == io.EOF {
			return total, bad, nil
		}
	}
}

// evalRecord decodes and evaluates one JSON line.
func evalRecord(pack *mapping.Pack, date mapping.Date, line []byte) (mapping.Result, any, error) {
	var rec mapping.Record
	if err := json.Unmarshal(line, &rec); err != nil || rec == nil {
		if err == nil {
			err = errors.New("null")
		}
		return mapping.Result{}, nil, fmt.Errorf("not a JSON object: %v", err)
	}
	acct, err := pack.Decode(rec)
	if err != nil {
		if id, ok := rec["Id"].(string); ok && id != "" {
			return mapping.Result{}, nil, fmt.Errorf("account %s: %w", id, err)
		}
		return mapping.Result{}, nil, err
	}
	return pack.Evaluate(acct, date), rec["Id"], nil
}

func evalResult(res mapping.Result, id any) evalLine {
	l := evalLine{ID: id, ManagedTags: res.ManagedTags, Tags: res.Tags, Status: res.Status,
		TagsChanged: res.TagsChanged, StatusChanged: res.StatusChanged}
	if l.ManagedTags == nil {
		l.ManagedTags = []string{}
	}
	if res.Rejected != "" {
		l.Rejected = &res.Rejected
	}
	return l
}
