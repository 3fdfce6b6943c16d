package salesforce

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The CSV of a Bulk API 2.0 update job ("Prepare CSV Files", Bulk API 2.0
// and Bulk API Developer Guide,
// https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_prepare_csv.htm):
// a header row of field API names, then one row per record; comma
// delimiter and LF line endings (the job is created with those); values
// quoted as RFC 4180 says when they hold a comma, a quote or a line break.
// "Empty field values are ignored when you update records. To set a field
// value to null, use a field value of #N/A" ("Valid CSV Record Rows").

// ingestNull is the CSV value that sets a field to null.
const ingestNull = "#N/A"

// maxIngestUpload bounds one job's CSV: "To account for the base64
// conversion increase, upload data that doesn't exceed 100 MB" ("Upload
// Job Data",
// https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/upload_job_data.htm).
const maxIngestUpload = 100 << 20

// encodeIngestCSV returns the job data for batch: the header "Id" and the
// union of the fields the updates set (sorted, the first spelling of a
// name kept), one row per update that can be encoded. A field an update
// does not set is empty (left unchanged); nil, and the empty string (which
// Salesforce stores as null), are #N/A. errs[i] is the per-record error of
// batch[i] when it cannot be encoded (no Id, an invalid field name, a value
// that has no CSV form, the literal string "#N/A"); such records are left
// out. The result is the same for the same batch, so the results of a job
// can be matched to its batch again after a restart.
func encodeIngestCSV(batch []Update) (data []byte, errs []error) {
	errs = make([]error, len(batch))
	rows := make([]map[string]string, len(batch))
	spelling := map[string]string{} // lower-case name -> column
	for i, u := range batch {
		row, err := ingestRow(u)
		if err != nil {
			errs[i] = err
			continue
		}
		rows[i] = row
		for name := range row {
			if _, ok := spelling[strings.ToLower(name)]; !ok {
				spelling[strings.ToLower(name)] = name
			}
		}
	}
	cols := make([]string, 0, len(spelling))
	for _, name := range spelling {
		cols = append(cols, name)
	}
	sort.Strings(cols)
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(append([]string{"Id"}, cols...)) //nolint:errcheck // a bytes.Buffer does not fail
	rec := make([]string, len(cols)+1)
	for i, u := range batch {
		if errs[i] != nil {
			continue
		}
		rec[0] = u.ID
		for k, col := range cols {
			rec[k+1] = ""
			for name, v := range rows[i] {
				if strings.EqualFold(name, col) {
					rec[k+1] = v
				}
			}
		}
		w.Write(rec) //nolint:errcheck
	}
	w.Flush()
	return b.Bytes(), errs
}

// ingestRow formats the fields of one update as CSV values.
func ingestRow(u Update) (map[string]string, error) {
	if u.ID == "" {
		return nil, &APIError{Code: "MALFORMED_ID", Message: "empty record id"}
	}
	row := make(map[string]string, len(u.Fields))
	for name, v := range u.Fields {
		if strings.EqualFold(name, "id") || strings.EqualFold(name, "attributes") {
			continue
		}
		if !validName(name) {
			return nil, &APIError{Code: "INVALID_FIELD", Message: "invalid field name " + strconv.Quote(snippet(name))}
		}
		s, err := ingestValue(v)
		if err != nil {
			return nil, &APIError{Code: "INVALID_TYPE_ON_FIELD_IN_RECORD",
				Message: "cannot write the value of " + name + " through Bulk API 2.0: " + err.Error(), Fields: []string{name}}
		}
		row[name] = s
	}
	return row, nil
}

// ingestValue is the CSV form of a field value: text as is, numbers in
// plain decimal, booleans true/false, times as UTC dateTimes ("Valid Date
// Format in Records (2.0)", yyyy-MM-ddTHH:mm:ss.SSSZ).
func ingestValue(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return ingestNull, nil
	case string:
		switch x {
		case "":
			return ingestNull, nil
		case ingestNull:
			return "", errors.New("the text #N/A means null in a Bulk CSV")
		}
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", fmt.Errorf("%v is not a number Salesforce stores", x)
		}
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case float32:
		return ingestValue(float64(x))
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case int32:
		return strconv.FormatInt(int64(x), 10), nil
	case json.Number:
		return x.String(), nil
	case time.Time:
		return x.UTC().Format("2006-01-02T15:04:05.000Z"), nil
	}
	return "", fmt.Errorf("a %T has no CSV form", v)
}

// ingestResults is one results resource: its column names and rows.
type ingestResults struct {
	header []string
	rows   [][]string
}

// col returns the index of the column named name (case-insensitive), or -1.
func (r ingestResults) col(name string) int {
	for i, h := range r.header {
		if strings.EqualFold(strings.TrimSpace(h), name) {
			return i
		}
	}
	return -1
}

// parseIngestResults reads a results CSV (comma-separated, quoted as RFC
// 4180 says, LF or CRLF rows). An empty body is an empty list. Rows must
// have as many values as the header.
func parseIngestResults(body []byte) (ingestResults, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(body))
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return ingestResults{}, nil
	}
	if err != nil {
		return ingestResults{}, fmt.Errorf("%w: results CSV: %v", ErrMalformedResponse, err)
	}
	out := ingestResults{header: header}
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return ingestResults{}, fmt.Errorf("%w: results CSV: %v", ErrMalformedResponse, err)
		}
		out.rows = append(out.rows, row)
	}
}

// parseIngestError reads an sf__Error value into an *APIError (Status 0),
// so that Classify treats it as a per-record SaveResult error. The guide
// says only "Error code and message" ("Get Job Failed Record Results",
// https://developer.salesforce.com/docs/platform/api-asynch/guide/get-job-failed-results.html);
// orgs send "STATUS_CODE:message:Field1 --", "STATUS_CODE:message:--" or a
// bare code, e.g. "REQUIRED_FIELD_MISSING:Required fields are missing:
// [Name]:Name --" and "INVALID_CROSS_REFERENCE_KEY:invalid cross reference
// id:--". The fields part is the text after the last colon, when it is
// empty or a list of field names (separated by commas or semicolons, no
// space after the colon); anything else stays in the message. A value
// without a leading upper-case code is UNKNOWN_EXCEPTION with the whole
// value as its message.
func parseIngestError(s string) *APIError {
	s = strings.TrimSpace(s)
	s = strings.TrimSpace(strings.TrimSuffix(s, "--"))
	code, rest, found := strings.Cut(s, ":")
	if !isStatusCode(code) {
		code, rest, found = "UNKNOWN_EXCEPTION", s, true
	}
	e := &APIError{Code: code}
	if !found {
		return e
	}
	msg := rest
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		if fields, ok := fieldList(rest[i+1:]); ok {
			msg, e.Fields = rest[:i], fields
		}
	}
	e.Message = strings.TrimSpace(msg)
	if e.Message == "" && e.Code == "UNKNOWN_EXCEPTION" {
		e.Message = "record not saved; Salesforce gave no reason"
	}
	return e
}

// isStatusCode reports whether s looks like a StatusCode value
// (UNABLE_TO_LOCK_ROW): upper-case letters, digits and underscores.
func isStatusCode(s string) bool {
	if s == "" || len(s) > 80 {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// fieldList parses the fields part of an sf__Error: empty, or field names
// separated by commas or semicolons; it must not start with a space (a
// message's own "text: value" does).
func fieldList(s string) ([]string, bool) {
	if strings.HasPrefix(s, " ") {
		return nil, false
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		f = strings.TrimSpace(f)
		if !validFieldPath(f) {
			return nil, false
		}
		out = append(out, f)
	}
	return out, len(out) > 0
}

// validFieldPath reports whether s is a field API name, possibly a
// relationship path (Owner.Email).
func validFieldPath(s string) bool {
	for _, part := range strings.Split(s, ".") {
		if !validName(part) {
			return false
		}
	}
	return true
}
