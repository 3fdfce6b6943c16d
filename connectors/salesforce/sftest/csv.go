package sftest

import (
	"math"
	"strings"
	"time"
)

// CSV as Bulk API 2.0 writes and reads it ("Bulk API 2.0 and Bulk API
// Developer Guide": "Prepare CSV Files",
// https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_prepare_csv.htm,
// and "Valid Date Format in Records",
// https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_date_format.htm).
// A job names its column delimiter (columnDelimiter: BACKQUOTE, CARET,
// COMMA, PIPE, SEMICOLON or TAB; COMMA by default) and line ending
// (lineEnding: LF or CRLF; LF by default).
var csvDelimiters = map[string]byte{
	"BACKQUOTE": '`', "CARET": '^', "COMMA": ',', "PIPE": '|', "SEMICOLON": ';', "TAB": '\t',
}

var csvLineEndings = map[string]string{"LF": "\n", "CRLF": "\r\n"}

// csvDateTimeLayout is a dateTime in Bulk API 2.0 results:
// "2024-03-01T12:00:00.000Z" (UTC, milliseconds, a Z), where REST JSON
// writes "+0000".
const csvDateTimeLayout = "2006-01-02T15:04:05.000Z"

// appendCSVField appends s as one quoted CSV field: Bulk API 2.0 query
// results quote every field, the header included ("Get Results for a
// Query Job" example: "Id","Name" then "005R0000000UyrWIAS","Jane Dunn"),
// and a double quote inside a value is doubled (RFC 4180, section 2.7).
func appendCSVField(b []byte, s string) []byte {
	b = append(b, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '"')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '"')
}

// appendCSVValue appends the value of row's column fi as a results field:
// text as stored, booleans true or false, numbers in their shortest
// decimal form, dates 2024-03-01, dateTimes csvDateTimeLayout, and null as
// an empty field ("").
func (t *table) appendCSVValue(b []byte, row, fi int) []byte {
	v := t.get(row, fi)
	switch t.obj.Fields[fi].kind {
	case kNumber:
		if math.IsNaN(v.f) {
			return append(b, `""`...)
		}
		return append(appendNumber(append(b, '"'), v.f), '"')
	case kBool:
		if v.b {
			return append(b, `"true"`...)
		}
		return append(b, `"false"`...)
	case kDate:
		if v.i == nullDay {
			return append(b, `""`...)
		}
		return append(dayTime(v.i).AppendFormat(append(b, '"'), dateLayout), '"')
	case kDateTime:
		if v.i == nullMillis {
			return append(b, `""`...)
		}
		return append(time.UnixMilli(v.i).UTC().AppendFormat(append(b, '"'), csvDateTimeLayout), '"')
	}
	return appendCSVField(b, v.s)
}
