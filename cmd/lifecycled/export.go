package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/lifecycled/lifecycled/connectors/salesforce"
)

// runExport is `lifecycled export`: the org's managed records as JSON lines,
// one record a line as the REST query resource returns it without its
// "attributes", ready for `lifecycled eval`. It connects as plan does, reads
// and writes nothing in Salesforce or the state file.
func runExport(ctx context.Context, args []string, s stdio) error {
	fs := newFlagSet("export", "export [--config FILE] [--out FILE]\n\n"+
		"Writes every record of salesforce.object that salesforce.where selects, one JSON object a line,\n"+
		"with Id, SystemModstamp, RecordTypeId (when the object has record types), every mapped field and\n"+
		"the tags and status fields: the input of 'lifecycled eval'.", s)
	var c common
	c.register(fs)
	outPath := fs.String("out", "", "write to this file (replaced only once the export is complete; default: standard output)")
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
	object := m.Config.Salesforce.Object
	desc, err := m.CRM.Describe(ctx, object)
	if err != nil {
		return err // the connector names the describe
	}
	fields := exportFields(m, desc)
	q := "SELECT " + strings.Join(fields, ", ") + " FROM " + object
	if w := strings.TrimSpace(m.Config.Salesforce.Where); w != "" {
		q += " WHERE (" + w + ")"
	}

	out, commit, abort, err := exportOutput(*outPath, s.out)
	if err != nil {
		return err
	}
	defer abort()
	bw := bufio.NewWriterSize(out, 1<<16)
	n := 0
	err = m.CRM.Query(ctx, q, func(page []salesforce.Record) error {
		for _, rec := range page {
			line, err := exportLine(rec, fields)
			if err != nil {
				return fmt.Errorf("record %d: %w", n+1, err)
			}
			if _, err := bw.Write(line); err != nil {
				return fmt.Errorf("write accounts: %w", err)
			}
			n++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("export %s: %w", object, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write accounts: %w", err)
	}
	if err := commit(); err != nil {
		return err
	}
	m.Logger.Info("export done", "object", object, "records", n, "out", orStdout(*outPath))
	return nil
}

// exportFields lists the fields export selects: Id, SystemModstamp,
// RecordTypeId when the object has it, the mapped fields, then the tags and
// status fields, each once (field names are case-insensitive in SOQL).
func exportFields(m *Main, desc *salesforce.Describe) []string {
	seen := map[string]bool{}
	var out []string
	add := func(f string) {
		if k := strings.ToLower(f); f != "" && !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	add("Id")
	add("SystemModstamp")
	for _, f := range desc.Fields {
		if strings.EqualFold(f.Name, "RecordTypeId") {
			add(f.Name)
		}
	}
	def := m.Pack.Definition()
	for _, f := range def.Fields {
		add(f.APIName)
	}
	add(def.TagsField)
	add(def.StatusField)
	return out
}

// exportLine encodes rec as one JSON line: the selected fields in select
// order, then any other key the API returned (sorted), without
// "attributes". Values are as the API returned them.
func exportLine(rec salesforce.Record, fields []string) ([]byte, error) {
	keys := make([]string, 0, len(rec))
	used := map[string]bool{"attributes": true}
	for _, f := range fields {
		for k := range rec {
			if !used[k] && strings.EqualFold(k, f) {
				keys = append(keys, k)
				used[k] = true
				break
			}
		}
	}
	var rest []string
	for k := range rec {
		if !used[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	keys = append(keys, rest...)

	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kj, _ := json.Marshal(k)
		vj, err := json.Marshal(rec[k])
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", k, err)
		}
		b.Write(kj)
		b.WriteByte(':')
		b.Write(vj)
	}
	b.WriteString("}\n")
	return b.Bytes(), nil
}

// exportOutput returns where export writes: stdout, or a temporary file
// beside path that commit renames to path (so a failed export leaves any
// earlier file whole) and abort removes. abort after commit does nothing.
func exportOutput(path string, stdout io.Writer) (w io.Writer, commit func() error, abort func(), err error) {
	if path == "" || path == "-" {
		return stdout, func() error { return nil }, func() {}, nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return nil, nil, nil, fmt.Errorf("--out: %w", err)
	}
	done := false
	commit = func() error {
		if err := f.Close(); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		if err := os.Rename(f.Name(), path); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		done = true
		return nil
	}
	abort = func() {
		if !done {
			f.Close()
			os.Remove(f.Name())
		}
	}
	return f, commit, abort, nil
}

func orStdout(path string) string {
	if path == "" || path == "-" {
		return "stdout"
	}
	return path
}
