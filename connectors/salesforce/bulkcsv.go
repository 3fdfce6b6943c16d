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

// parseCSVPage reads one results page. types maps a lower-case field name
// to its describe type. The page must have a header of distinct, non-empty
// names and rows of the header's width; a value must parse as its field's
// type. Errors say where (line and field) and never quote a value.
func parseCSVPage(body []byte, types map[string]string) ([]Record, error) {
	r := csv.NewReader(bytes.NewReader(body))
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("csv: no header")
		}
		return nil, fmt.Errorf("csv header: %w", csvCause(err))
	}
	names := make([]string, len(header))
	kinds := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimPrefix(h, "\ufeff")
		if h == "" || seen[strings.ToLower(h)] {
			return nil, fmt.Errorf("csv header: column %d: empty or repeated name", i+1)
		}
		seen[strings.ToLower(h)] = true
		names[i], kinds[i] = h, types[strings.ToLower(h)]
	}
	var out []Record
	for line := 2; ; line++ {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("csv line %d: %w", line, csvCause(err))
		}
		rec := make(Record, len(names))
		for i, v := range row {
			val, err := csvValue(kinds[i], v)
			if err != nil {
				return nil, fmt.Errorf("csv line %d field %s: %w", line, names[i], err)
			}
			rec[names[i]] = val
		}
		out = append(out, rec)
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
