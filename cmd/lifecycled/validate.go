package main

import (
	"context"
	"fmt"

	"github.com/lifecycled/lifecycled/mapping"
)

// runValidate is `lifecycled validate`: offline checks of the config, and
// with --remote the org's describe checks too.
func runValidate(ctx context.Context, args []string, s stdio) error {
	fs := newFlagSet("validate", "validate [--config FILE] [--remote]", s)
	var c common
	c.register(fs)
	remote := fs.Bool("remote", false, "also check the config against the org (describe)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, logger, secrets, err := c.setup(s)
	if err != nil {
		return err
	}
	pack, err := mapping.Compile(cfg.Definition())
	if err != nil {
		return err
	}
	def := pack.Definition()
	fmt.Fprintf(s.out, "%s: config is valid: %d fields, %d derived values, %d smart lists, %d status rules\n",
		c.configPath, len(def.Fields), len(def.Derived), len(def.SmartLists), len(def.StatusRules))
	for _, w := range cfg.Warnings() {
		fmt.Fprintf(s.out, "warning: %v\n", w)
	}
	if !*remote {
		return nil
	}
	m := NewMain(cfg, logger, secrets)
	defer m.Close()
	problems, err := m.Connect(ctx, false)
	if err != nil {
		return err
	}
	errs := 0
	for _, p := range problems {
		fmt.Fprintln(s.out, p)
		if !p.Warning {
			errs++
		}
	}
	if errs > 0 {
		return fmt.Errorf("%d problems with the org's %s fields", errs, cfg.Salesforce.Object)
	}
	fmt.Fprintf(s.out, "org check passed: every mapped field of %s exists with a compatible type\n", cfg.Salesforce.Object)
	return nil
}
