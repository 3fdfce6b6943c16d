package sftest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Bulk API 2.0 ingest CSV ("Prepare CSV Files", Bulk API 2.0 and Bulk API
// Developer Guide,
// https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_prepare_csv.htm):
// the first row names the fields, each later row is a record; values are
// separated by the job's columnDelimiter and rows end with its lineEnding;
// double quotes escape delimiters, line breaks and quotes; "If you're
// updating a record, any fields that aren't defined in the CSV file are
// ignored during the update"; an empty value leaves the field unchanged and
// "To set a field value to null, use a field value of #N/A" ("Valid CSV
// Record Rows", same guide).

// ingestNull is the CSV value that sets a field to null.
const ingestNull = "#N/A"

// ingestDelimiters maps a columnDelimiter to its character ("Create a
// Job", https://developer.salesforce.com/docs/platform/api-asynch/guide/create-job.html).
var ingestDelimiters = map[string]rune{
	"BACKQUOTE": '`', "CARET": '^', "COMMA": ',', "PIPE": '|', "SEMICOLON": ';', "TAB": '\t',
}

// errIngestLineEnding is the job failure for data whose rows do not end as
// the job's lineEnding says. The message is the one clients report
// ("ClientInputError : LineEnding is invalid on user data. Current
// LineEnding setting is LF"); the guide names only the ClientInputError
// code ("Errors", Bulk API 2.0,
// https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/bulk_api_2_0_errors.htm).
func errIngestLineEnding(setting string) error {
	return fmt.Errorf("ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is %s", setting)
}

// checkLineEndings reports whether every row terminator of data (a line
// break outside double quotes) matches lineEnding: "\n" for LF, "\r\n" for
// CRLF.
func checkLineEndings(data []byte, lineEnding string) error {
	quoted := false
	for i, c := range data {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n':
			crlf := i > 0 && data[i-1] == '\r'
			if crlf != (lineEnding == "CRLF") {
				return errIngestLineEnding(lineEnding)
			}
		case c == '\r':
			if lineEnding == "LF" {
				return errIngestLineEnding(lineEnding)
			}
		}
	}
	return nil
}

// readIngestCSV parses uploaded job data into its header and rows. A
// byte-order mark before the header is dropped. A row whose number of
// values differs from the header's, or a quote out of place, is an error
// for the whole job.
func readIngestCSV(data []byte, delimiter rune) (header []string, rows [][]string, err error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = delimiter
	r.ReuseRecord = false
	header, err = r.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, errors.New("ClientInputError : no data: the upload holds no header row")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("ClientInputError : %v", err)
	}
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return header, rows, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("ClientInputError : %v", err)
		}
		rows = append(rows, row)
	}
}

// writeIngestCSV writes rows as the result resources do, comma-separated
// with rows ending in "\n": the header's sf__ columns in double quotes, the
// uploaded column names as uploaded, every value in double quotes (as
// clients show them: "sf__Id","sf__Error",Id,Phone then
// "","INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--","001xx","555").
func writeIngestCSV(header []string, rows [][]string) []byte {
	var b bytes.Buffer
	for i, h := range header {
		if i > 0 {
			b.WriteByte(',')
		}
		if strings.HasPrefix(h, "sf__") || strings.ContainsAny(h, ",\"\r\n ") {
			writeQuoted(&b, h)
			continue
		}
		b.WriteString(h)
	}
	b.WriteByte('\n')
	for _, row := range rows {
		for i, v := range row {
			if i > 0 {
				b.WriteByte(',')
			}
			writeQuoted(&b, v)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func writeQuoted(b *bytes.Buffer, v string) {
	b.WriteByte('"')
	b.WriteString(strings.ReplaceAll(v, `"`, `""`))
	b.WriteByte('"')
}

// ingestError formats a save error as the sf__Error column holds it: the
// status code, the message and the fields, "CODE:message:Field1,Field2 --",
// or "CODE:message:--" without fields (as failed results show them, e.g.
// "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --" and
// "INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--"; the guide
// says only "Error code and message", "Get Job Failed Record Results",
// https://developer.salesforce.com/docs/platform/api-asynch/guide/get-job-failed-results.html).
// How several fields are separated is not documented; the emulator uses
// commas.
func ingestError(e apiError) string {
	if len(e.Fields) == 0 {
		return e.Code + ":" + e.Message + ":--"
	}
	return e.Code + ":" + e.Message + ":" + strings.Join(e.Fields, ",") + " --"
}
