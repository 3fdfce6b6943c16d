package mapping

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	for _, s := range []string{"2024-02-29", "0001-01-01", "1999-12-31", "2100-03-01", "9999-12-31"} {
		d, err := ParseDate(s)
		if err != nil {
			t.Fatalf("ParseDate(%q): %v", s, err)
		}
		if d.String() != s {
			t.Errorf("ParseDate(%q).String() = %q", s, d.String())
		}
		tm, _ := time.Parse(time.DateOnly, s)
		if d != NewDate(tm.Year(), tm.Month(), tm.Day()) {
			t.Errorf("ParseDate(%q) disagrees with time.Parse", s)
		}
	}
	for _, s := range []string{"", "2023-02-29", "2024-13-01", "2024-00-10", "2024-1-01", "2024-01-01T00:00:00Z", "abcd-ef-gh", "2024/01/01", "+024-01-01"} {
		if _, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) succeeded, want an error", s)
		}
	}
}

func TestDateArithmetic(t *testing.T) {
	a := NewDate(2024, time.February, 28)
	if got := a.AddDays(1).String(); got != "2024-02-29" {
		t.Errorf("AddDays(1) = %s", got)
	}
	if got := a.AddDays(2).String(); got != "2024-03-01" {
		t.Errorf("AddDays(2) = %s", got)
	}
	if got := NewDate(2025, time.January, 1).Sub(NewDate(2024, time.January, 1)); got != 366 {
		t.Errorf("Sub over a leap year = %d, want 366", got)
	}
	if !(Date{}).IsZero() || a.IsZero() {
		t.Error("IsZero")
	}
	// Every day from 1900 to 2200 agrees with time.Time.
	base := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	d0 := NewDate(1900, 1, 1)
	for i := 0; i < 300*366; i += 7 {
		tm := base.AddDate(0, 0, i)
		if got, want := d0.AddDays(i).String(), tm.Format(time.DateOnly); got != want {
			t.Fatalf("day %d: %s, want %s", i, got, want)
		}
	}
}

func TestDateIn(t *testing.T) {
	tokyo := time.FixedZone("Tokyo", 9*3600)
	la := time.FixedZone("LA", -8*3600)
	instant := time.Date(2024, 3, 1, 20, 0, 0, 0, time.UTC)
	if got := DateIn(instant, tokyo).String(); got != "2024-03-02" {
		t.Errorf("Tokyo: %s", got)
	}
	if got := DateIn(instant, la).String(); got != "2024-03-01" {
		t.Errorf("LA: %s", got)
	}
	if got := DateIn(instant, nil).String(); got != "2024-03-01" {
		t.Errorf("nil zone: %s", got)
	}
}

func TestNextAnniversary(t *testing.T) {
	tests := []struct{ start, today, want string }{
		{"2020-05-10", "2024-05-09", "2024-05-10"},
		{"2020-05-10", "2024-05-10", "2024-05-10"}, // on the day
		{"2020-05-10", "2024-05-11", "2025-05-10"},
		{"2024-05-10", "2024-05-10", "2025-05-10"}, // k >= 1
		{"2024-05-10", "2020-01-01", "2025-05-10"}, // future start
		{"2020-02-29", "2021-01-01", "2021-02-28"}, // Feb 29 in a common year
		{"2020-02-29", "2023-03-01", "2024-02-29"}, // and in a leap year
		{"2020-02-29", "2024-02-29", "2024-02-29"},
		{"2020-02-29", "2100-01-01", "2100-02-28"}, // 2100 is not a leap year
		{"2019-12-31", "2020-01-01", "2020-12-31"},
	}
	for _, tt := range tests {
		s, _ := ParseDate(tt.start)
		today, _ := ParseDate(tt.today)
		if got := s.NextAnniversary(today).String(); got != tt.want {
			t.Errorf("NextAnniversary(%s, today %s) = %s, want %s", tt.start, tt.today, got, tt.want)
		}
	}
}
