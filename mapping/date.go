package mapping

import (
	"fmt"
	"time"
)

// Date is a calendar date with no time zone, like a Salesforce date field
// ("2024-03-01"). It counts days from 0001-01-01 (proleptic Gregorian), so the
// zero value is 0001-01-01 and IsZero reports it. Dates read from Salesforce
// are parsed straight into a Date and never pass through a zoned timestamp,
// which could shift them by a day.
type Date struct {
	n int32 // days since 0001-01-01
}

// daysBeforeEpoch is the number of days from 0001-01-01 to 1970-01-01.
const daysBeforeEpoch = 719162

// NewDate returns the date y-m-d. Out-of-range months and days are normalized
// the way time.Date normalizes them (2024-02-30 is 2024-03-01).
func NewDate(y int, m time.Month, d int) Date {
	// Normalize through UTC, which has no offsets to shift the day.
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return Date{n: int32(t.Unix()/86400 + daysBeforeEpoch)}
}

// civil returns the date's year, month and day (Howard Hinnant's
// civil_from_days, valid for every day in the Date range).
func (d Date) civil() (int, time.Month, int) {
	z := int64(d.n) - daysBeforeEpoch + 719468
	era := z
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day := doy - (153*mp+2)/5 + 1
	month := mp + 3
	if mp >= 10 {
		month = mp - 9
	}
	if month <= 2 {
		y++
	}
	return int(y), time.Month(month), int(day)
}

// ParseDate parses "2006-01-02". It accepts nothing else: no time, no zone.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("invalid date %q: want YYYY-MM-DD", s)
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(time.Month(m), y) {
		return Date{}, fmt.Errorf("invalid date %q: want YYYY-MM-DD", s)
	}
	return NewDate(y, time.Month(m), d), nil
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(m time.Month, y int) int {
	switch m {
	case time.February:
		if isLeap(y) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// DateIn returns the calendar date of t in loc (UTC when loc is nil).
func DateIn(t time.Time, loc *time.Location) Date {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	return NewDate(y, m, d)
}

// Year returns the date's year.
func (d Date) Year() int { y, _, _ := d.civil(); return y }

// Month returns the date's month.
func (d Date) Month() time.Month { _, m, _ := d.civil(); return m }

// Day returns the date's day of the month.
func (d Date) Day() int { _, _, dd := d.civil(); return dd }

// String returns the date as "2006-01-02".
func (d Date) String() string {
	y, m, dd := d.civil()
	if y < 0 || y > 9999 {
		return fmt.Sprintf("%d-%02d-%02d", y, m, dd)
	}
	b := make([]byte, 10)
	b[0], b[1], b[2], b[3] = byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10)
	b[4], b[7] = '-', '-'
	b[5], b[6] = byte('0'+int(m)/10), byte('0'+int(m)%10)
	b[8], b[9] = byte('0'+dd/10), byte('0'+dd%10)
	return string(b)
}

// AddDays returns the date n days after d (before it when n < 0).
func (d Date) AddDays(n int) Date { return Date{n: d.n + int32(n)} }

// Sub returns the number of days from o to d: positive when d is later.
func (d Date) Sub(o Date) int { return int(d.n - o.n) }

// IsZero reports whether d is the zero Date (0001-01-01).
func (d Date) IsZero() bool { return d.n == 0 }

// Before reports whether d is earlier than o.
func (d Date) Before(o Date) bool { return d.n < o.n }

// After reports whether d is later than o.
func (d Date) After(o Date) bool { return d.n > o.n }

// AddYears returns the same month and day k years later; a February 29
// falls on February 28 in a year that is not a leap year.
func (d Date) AddYears(k int) Date {
	y, m, dd := d.civil()
	y += k
	if m == time.February && dd == 29 && !isLeap(y) {
		dd = 28
	}
	return NewDate(y, m, dd)
}

// NextAnniversary returns the first anniversary of d (d plus k years, k >= 1)
// that falls on or after today. A February 29 anniversary falls on February 28
// in years that are not leap years.
func (d Date) NextAnniversary(today Date) Date {
	// Start one year short of today's year and step forward: at most three
	// steps, whatever the two dates.
	k := max(today.Year()-d.Year()-1, 1)
	a := d.AddYears(k)
	for a.Before(today) {
		k++
		a = d.AddYears(k)
	}
	return a
}

// MarshalText implements encoding.TextMarshaler ("2006-01-02").
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler ("2006-01-02").
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
