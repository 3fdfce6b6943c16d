package mapping

import (
	"fmt"
	"strings"
	"time"
)

// dateTimeLayouts are the dateTime forms the REST API documents:
// yyyy-MM-ddTHH:mm:ss.SSS+/-HH:mm and yyyy-MM-ddTHH:mm:ss.SSSZ, the
// milliseconds optional, and the +/-HHmm offset Salesforce itself returns
// ("2024-03-01T12:00:00.000+0000"). See "Valid Date and DateTime Formats" in
// the REST API Developer Guide
// (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_valid_date_formats.htm).
var dateTimeLayouts = []string{
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z0700",
}

// ParseDateTime parses a Salesforce dateTime value such as
// "2024-03-01T12:00:00.000+0000", "2024-03-01T12:00:00Z" or
// "2024-03-01T12:00:00.5+05:30". A value without a zone, or anything else,
// is an error.
func ParseDateTime(s string) (time.Time, error) {
	// time.Parse also takes a comma before the fraction; Salesforce never
	// writes one.
	if len(s) >= 19 && s[10] == 'T' && !strings.Contains(s, ",") {
		for _, layout := range dateTimeLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t, nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("invalid date-time %q: want yyyy-MM-ddTHH:mm:ss.SSS+0000 or ...Z", s)
}

// decodeDateTime reads a dateTime field's value as the calendar date of its
// instant in loc (UTC when nil).
func decodeDateTime(v any, loc *time.Location) (value, error) {
	s, ok := v.(string)
	if !ok {
		return nilValue, fmt.Errorf("want a date-time string like \"2024-03-01T12:00:00.000+0000\", got %s", describe(v))
	}
	if s == "" {
		return nilValue, nil
	}
	t, err := ParseDateTime(s)
	if err != nil {
		if _, derr := ParseDate(s); derr == nil {
			return nilValue, fmt.Errorf("want a date-time, got the date %q (map it as :date)", s)
		}
		return nilValue, err
	}
	return dateValue(DateIn(t, loc)), nil
}
