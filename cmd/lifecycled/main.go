// Command lifecycled keeps customer-lifecycle fields in Salesforce true: it
// pulls accounts, evaluates Smart List rules locally, derives the Account
// Lifecycle Status and pushes the changes back.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"
)

// command is one subcommand: its one-line summary and the function that runs
// it. Functions get the arguments after the subcommand's name.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdio stdio) error
}

// stdio carries the process streams so tests can run commands in-process.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// commands lists every subcommand. Kept as a literal (no init registries).
func commands() map[string]command {
	return map[string]command{
		"version":     {"print the version", runVersion},
		"run":         {"run the daemon: a sync cycle every sync.interval", runRun},
		"sync":        {"run one sync cycle; non-zero exit when it fails", runSync},
		"plan":        {"dry run: what a sync would write, writing nothing", runPlan},
		"validate":    {"check the config (--remote: against the org too)", runValidate},
		"status":      {"last runs, pending writes and rejections", runStatus},
		"explain":     {"why an account has its tags and status", runExplain},
		"demo":        {"the daemon against the built-in Salesforce emulator", runDemo},
		"emulate":     {"serve the Salesforce emulator standalone", runEmulate},
		"eval":        {"evaluate the rules over accounts in JSON lines, offline", runEval},
		"export":      {"write the org's accounts as JSON lines, the input of eval", runExport},
		"report":      {"paying accounts per lifecycle status, and how they moved", runReport},
		"history":     {"one account's status changes", runHistory},
		"healthcheck": {"exit 0 when the daemon's /readyz says ready", runHealthcheck},
	}
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func runVersion(_ context.Context, args []string, s stdio) error {
	fs := newFlagSet("version", "version", s)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	_, err := fmt.Fprintf(s.out, "lifecycled %s\n", version)
	return err
}

// errUsage marks an error already explained by a usage message.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal starts a graceful stop; restoring the default
	// handlers lets a second one end the process at once.
	go func() { <-ctx.Done(); stop() }()
	code := Run(ctx, os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	stop()
	os.Exit(code)
}

// Run dispatches to a subcommand and returns the process exit code: 0 on
// success, 1 on failure, 2 on a usage error. The error is printed as one line.
func Run(ctx context.Context, args []string, s stdio) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(s.err, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" {
		args = append([]string{"version"}, args[1:]...)
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(s.err, "lifecycled: unknown command %q (run 'lifecycled help')\n", args[0])
		return 2
	}
	err := c.run(ctx, args[1:], s)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(s.err, "lifecycled %s: %v\n", args[0], err)
		return 1
	}
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "Usage: lifecycled COMMAND [flags]\n\nCommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'lifecycled COMMAND --help' for a command's flags.")
}

// newFlagSet returns a flag set that reports errors to s.err and returns them
// instead of exiting, so commands stay testable. Its usage message shows the
// synopsis and every flag spelt --flag, as the synopses do.
func newFlagSet(name, synopsis string, s stdio) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(s.err)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: lifecycled %s\n\nFlags:\n", synopsis)
		printDefaults(fs)
	}
	return fs
}

// printDefaults writes fs's flags as flag.PrintDefaults does, but with two
// dashes: "  --name TYPE" and the usage on the next line, with the default
// when it is not the zero value.
func printDefaults(fs *flag.FlagSet) {
	w := fs.Output()
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		switch v := f.Value.(type) {
		case *choice:
			typ = strings.Join(v.allowed, "|")
		case dateFlag:
			typ = "YYYY-MM-DD"
		}
		line := "  --" + f.Name
		if typ != "" {
			line += " " + typ
		}
		fmt.Fprintln(w, line)
		switch f.DefValue {
		case "", "0", "false":
		default:
			if _, ok := f.Value.(interface{ IsBoolFlag() bool }); ok {
				break
			}
			if typ == "string" {
				usage += fmt.Sprintf(" (default %q)", f.DefValue)
			} else {
				usage += " (default " + f.DefValue + ")"
			}
		}
		fmt.Fprintf(w, "    \t%s\n", strings.ReplaceAll(usage, "\n", "\n    \t"))
	})
}

// parseFlags parses args, mapping flag errors to errUsage. A bad flag (an
// unknown one, or a value its flag refuses) is reported on one line, with
// the flag spelt --flag, followed by the usage message.
//
// Flags may come after the positional arguments (`explain ID --as-of D`):
// they are moved in front before parsing. "--" ends the flags as usual.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(flagsFirst(fs, args))
	fs.SetOutput(out)
	fs.Usage = usage
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return err
	}
	return usageError(fs, "%s", dashes(err.Error()))
}

// usageError prints a one-line problem with the command line, then the
// command's usage, and returns errUsage (exit 2).
func usageError(fs *flag.FlagSet, format string, args ...any) error {
	fmt.Fprintf(fs.Output(), "lifecycled %s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	fs.Usage()
	return errUsage
}

// oneAccountID checks that the command line of fs (explain, history) holds
// exactly one argument, the account Id. Without it, it prints in words
// what is missing, then the usage, and returns errUsage (exit 2).
func oneAccountID(fs *flag.FlagSet) error {
	switch fs.NArg() {
	case 1:
		return nil
	case 0:
		fmt.Fprintf(fs.Output(), "%[1]s needs an account Id: lifecycled %[1]s ACCOUNT_ID\n", fs.Name())
		fs.Usage()
		return errUsage
	}
	return usageError(fs, "one account Id at a time, got %d: %s", fs.NArg(), strings.Join(fs.Args(), " "))
}

// dashes rewrites the flag package's "-name" in its error messages as
// "--name", the spelling the usage lines use.
func dashes(msg string) string {
	msg = strings.Replace(msg, "not defined: -", "not defined: --", 1)
	msg = strings.Replace(msg, "for flag -", "for flag --", 1)
	return strings.Replace(msg, "needs an argument: -", "needs an argument: --", 1)
}

// choice is a string flag whose value must be one of a fixed set; aliases
// map other accepted spellings to a value of the set.
type choice struct {
	target  *string
	allowed []string
	aliases map[string]string
}

// choiceVar defines a flag that accepts one of allowed (or an alias of one)
// and stores the chosen value in p, value until the flag is given.
func choiceVar(fs *flag.FlagSet, p *string, name, value, usage string, allowed []string, aliases map[string]string) {
	*p = value
	fs.Var(&choice{target: p, allowed: allowed, aliases: aliases}, name, usage)
}

func (c *choice) String() string {
	if c == nil || c.target == nil {
		return ""
	}
	return *c.target
}

func (c *choice) Set(v string) error {
	if a, ok := c.aliases[v]; ok {
		v = a
	}
	if !slices.Contains(c.allowed, v) {
		return fmt.Errorf("want %s", orList(c.allowed))
	}
	*c.target = v
	return nil
}

// orList renders ["a" "b" "c"] as "a, b or c".
func orList(xs []string) string {
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// dateFlag is a string flag holding "" or a YYYY-MM-DD date.
type dateFlag struct{ p *string }

// dateVar defines a flag that accepts only a YYYY-MM-DD date.
func dateVar(fs *flag.FlagSet, p *string, name, usage string) {
	fs.Var(dateFlag{p}, name, usage)
}

func (d dateFlag) String() string {
	if d.p == nil {
		return ""
	}
	return *d.p
}

func (d dateFlag) Set(v string) error {
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		return errors.New("want YYYY-MM-DD")
	}
	*d.p = v
	return nil
}

// flagsFirst returns args with every flag (and the value of a flag that takes
// one) before the positional arguments, each group in its original order.
func flagsFirst(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	if len(pos) > 0 && pos[0] != "--" {
		flags = append(flags, "--")
	}
	return append(flags, pos...)
}
