package salesforce

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Bulk API 2.0 results are CSV ("Get Results for a Query Job",
// https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_job_results.htm):
// a header of the selected field names, then one line per record, every
// value text. parseCSVPage turns a page back into the records the REST
// query returns, typed by the object's describe (the field's REST type):
//
//   - empty: nil (Bulk API 2.0 writes null as an empty field);
//   - boolean: true or false;
//   - double, currency, percent, int: float64;
//   - date: "2006-01-02", as given;
//   - datetime: "2006-01-02T15:04:05.000Z" in the CSV, rewritten to REST's
//     "2006-01-02T15:04:05.000+0000" ("Valid Date Format in Records",
//     https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_date_format.htm);
//   - anything else, and a column the describe does not know: the string.
const (
	csvDateTime  = "2006-01-02T15:04:05.000Z07:00"
	restDateTime = "2006-01-02T15:04:05.000-0700"
)

// parseCSVPage reads one results page whole. types maps a lower-case
// field name to its describe type. The page must have a header of distinct,
// non-empty names and rows of the header's width; a value must parse as its
// field's type. Errors say where (line and field) and never quote a value.
func parseCSVPage(body []byte, types map[string]string) ([]Record, error) {
	var out []Record
	_, err := readCSVRecords(bytes.NewReader(body), types, 1<<30, func(recs []Record) error {
		out = append(out, recs...)
		return nil
	})
	return out, err
}

// readCSVRecords reads a results page from r as it arrives and calls fn
// with its records, at most chunk at a time, in order; it returns how many
// it read. A page cut short or malformed may have handed over its first
// records already. fn's own error is returned as it is.
func readCSVRecords(r io.Reader, types map[string]string, chunk int, fn func([]Record) error) (int, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return 0, errors.New("csv: no header")
		}
		return 0, fmt.Errorf("csv header: %w", csvCause(err))
	}
	names, kinds := make([]string, len(header)), make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimPrefix(h, "\ufeff")
		if h == "" || seen[strings.ToLower(h)] {
			return 0, fmt.Errorf("csv header: column %d: empty or repeated name", i+1)
		}
		seen[strings.ToLower(h)] = true
		names[i], kinds[i] = h, types[strings.ToLower(h)]
	}
	n := 0
	buf := make([]Record, 0, min(chunk, 1024))
	for line := 2; ; line++ {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, fmt.Errorf("csv line %d: %w", line, csvCause(err))
		}
		rec := make(Record, len(names))
		for i, v := range row {
			val, err := csvValue(kinds[i], v)
			if err != nil {
				return n, fmt.Errorf("csv line %d field %s: %w", line, names[i], err)
			}
			rec[names[i]] = val
		}
		n++
		if buf = append(buf, rec); len(buf) == chunk {
			if err := fn(buf); err != nil {
				return n, &stopError{err}
			}
			buf = make([]Record, 0, chunk)
		}
	}
	if len(buf) > 0 {
		if err := fn(buf); err != nil {
			return n, &stopError{err}
		}
	}
	return n, nil
}

// csvCause drops the parts of a csv.ParseError that could quote data.
func csvCause(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// csvValue converts one value of a field of describe type kind.
func csvValue(kind, v string) (any, error) {
	if v == "" {
		return nil, nil
	}
	switch kind {
	case "boolean":
		switch v {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, errors.New("not a boolean")
	case "double", "currency", "percent", "int":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, errors.New("not a number")
		}
		return f, nil
	case "date":
		if _, err := time.Parse("2006-01-02", v); err != nil {
			return nil, errors.New("not a date (YYYY-MM-DD)")
		}
		return v, nil
	case "datetime":
		t, err := time.Parse(csvDateTime, v)
		if err != nil {
			if t, err = time.Parse(time.RFC3339Nano, v); err != nil {
				return nil, errors.New("not a dateTime")
			}
		}
		return t.UTC().Format(restDateTime), nil
	}
	return strings.Clone(v), nil
}
