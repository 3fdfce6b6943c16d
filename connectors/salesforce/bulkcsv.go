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
	p, err := scanCSVPage(body, types)
	if err != nil {
		return nil, err
	}
	var out []Record
	err = p.each(p.rows+1, func(recs []Record) error { out = recs; return nil })
	return out, err
}

// csvPage is a results page that scanCSVPage checked: its rows are turned
// into records chunk by chunk by each, so that a page of 100,000 records
// never exists as 100,000 maps at once.
type csvPage struct {
	body         []byte
	names, kinds []string
	rows         int
}

// scanCSVPage checks a whole results page (the header, every row's width,
// every value against its field's type) and counts its rows, allocating no
// record.
func scanCSVPage(body []byte, types map[string]string) (csvPage, error) {
	p := csvPage{body: body}
	err := p.read(func(line int, row []string) error {
		for i, v := range row {
			if _, err := csvValue(p.kinds[i], v); err != nil {
				return fmt.Errorf("csv line %d field %s: %w", line, p.names[i], err)
			}
		}
		p.rows++
		return nil
	}, types)
	return p, err
}

// each calls fn with the page's records, at most chunk at a time, in order.
func (p csvPage) each(chunk int, fn func([]Record) error) error {
	buf := make([]Record, 0, min(chunk, p.rows))
	err := p.read(func(line int, row []string) error {
		rec := make(Record, len(p.names))
		for i, v := range row {
			val, err := csvValue(p.kinds[i], v)
			if err != nil {
				return fmt.Errorf("csv line %d field %s: %w", line, p.names[i], err)
			}
			rec[p.names[i]] = val
		}
		if buf = append(buf, rec); len(buf) == chunk {
			if err := fn(buf); err != nil {
				return err
			}
			buf = make([]Record, 0, chunk)
		}
		return nil
	}, nil)
	if err != nil || len(buf) == 0 {
		return err
	}
	return fn(buf)
}

// read parses the page and calls row for each data row. With types, it
// first reads the header into p.names and p.kinds.
func (p *csvPage) read(row func(line int, row []string) error, types map[string]string) error {
	r := csv.NewReader(bytes.NewReader(p.body))
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("csv: no header")
		}
		return fmt.Errorf("csv header: %w", csvCause(err))
	}
	if types != nil {
		p.names, p.kinds = make([]string, len(header)), make([]string, len(header))
		seen := map[string]bool{}
		for i, h := range header {
			h = strings.TrimPrefix(h, "\ufeff")
			if h == "" || seen[strings.ToLower(h)] {
				return fmt.Errorf("csv header: column %d: empty or repeated name", i+1)
			}
			seen[strings.ToLower(h)] = true
			p.names[i], p.kinds[i] = h, types[strings.ToLower(h)]
		}
	}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("csv line %d: %w", line, csvCause(err))
		}
		if err := row(line, rec); err != nil {
			return err
		}
	}
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
