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
	"sort"
	"strings"
	"syscall"
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
// instead of exiting, so commands stay testable.
func newFlagSet(name, synopsis string, s stdio) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(s.err)
	fs.Usage = func() {
		fmt.Fprintf(s.err, "Usage: lifecycled %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, mapping flag errors to errUsage (already printed).
//
// Flags may come after the positional arguments (`explain ID --as-of D`):
// they are moved in front before parsing. "--" ends the flags as usual.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(flagsFirst(fs, args)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
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
