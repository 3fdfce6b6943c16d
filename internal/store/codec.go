package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// Times are stored as INTEGER unix nanoseconds. The zero time.Time is stored
// as math.MinInt64 so that it sorts first, as it does in Go.
const zeroTime = math.MinInt64

var (
	minTime = time.Unix(0, math.MinInt64+1)
	maxTime = time.Unix(0, math.MaxInt64)
)

// encTime returns t as stored: unix nanoseconds, or zeroTime.
func encTime(t time.Time) (int64, error) {
	if t.IsZero() {
		return zeroTime, nil
	}
	if t.Before(minTime) || t.After(maxTime) {
		return 0, fmt.Errorf("time %s outside the storable range (years 1678 to 2262)", t.Format(time.RFC3339))
	}
	return t.UnixNano(), nil
}

// decTime returns the time stored as n, in UTC.
func decTime(n int64) time.Time {
	if n == zeroTime {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// encStr maps nil to NULL and any other pointer to its string, so that nil
// and "" round-trip apart.
func encStr(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

// decStr is the inverse of encStr.
func decStr(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	v := s.String
	return &v
}

// encRaw maps a nil json.RawMessage to NULL.
func encRaw(m json.RawMessage) any {
	if m == nil {
		return nil
	}
	return []byte(m)
}

// decRaw is the inverse of encRaw (an empty value stays empty, not nil).
func decRaw(b []byte) json.RawMessage {
	if b == nil {
		return nil
	}
	return json.RawMessage(b)
}

// boolInt stores a bool as 0 or 1.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// timeArgs encodes several times, failing on the first out of range.
func timeArgs(ts ...time.Time) ([]int64, error) {
	out := make([]int64, len(ts))
	for i, t := range ts {
		n, err := encTime(t)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}
