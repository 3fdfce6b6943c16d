package sftest

import (
	"maps"
	"slices"
	"sync"
	"time"
)

// Stats are the counters a test reads.
type Stats struct {
	Requests        map[string]map[int]int // endpoint -> HTTP status -> count (0: connection reset by a fault)
	APICalls        int                    // /services/data calls counted against the limit
	Writes          int                    // successful write requests (collections + single PATCH)
	RecordWrites    int                    // records successfully written by API
	NoopWrites      int                    // records written by API whose values equal what was stored
	RecordsPerWrite []int                  // records written by each successful write request
}

// Endpoints in Stats.Requests: "token", "versions", "resources", "limits",
// "describe", "query", "queryAll", "queryMore", "sobject", "collections" and
// "other" (unknown paths).

// Write is one record written, by the API or by a test acting as a user.
type Write struct {
	Seq    int
	At     time.Time // the SystemModstamp it got
	Object string
	ID     string         // 18 characters
	Fields map[string]any // the fields written, in Record form
	Noop   bool           // every value equalled what was stored
	Source string         // "api" or "user"
}

// statsState holds the counters and the API usage under one mutex.
type statsState struct {
	mu       sync.Mutex
	s        Stats
	used     int
	maxCalls int
}

func (st *statsState) init(max int) {
	st.maxCalls = max
	st.s.Requests = map[string]map[int]int{}
}

func (st *statsState) count(endpoint string, status int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	m := st.s.Requests[endpoint]
	if m == nil {
		m = map[int]int{}
		st.s.Requests[endpoint] = m
	}
	m[status]++
}

// take counts one API call against the daily limit and returns the usage
// to report; ok is false when the limit was already reached (the call is
// refused and not counted).
func (st *statsState) take() (used int, ok bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.used >= st.maxCalls {
		return st.used, false
	}
	st.used++
	st.s.APICalls++
	return st.used, true
}

func (st *statsState) max() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.maxCalls
}

func (st *statsState) usage() (int, int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.used, st.maxCalls
}

func (st *statsState) wrote(records, noops int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.s.Writes++
	st.s.RecordWrites += records
	st.s.NoopWrites += noops
	st.s.RecordsPerWrite = append(st.s.RecordsPerWrite, records)
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	out := s.stats.s
	out.Requests = make(map[string]map[int]int, len(s.stats.s.Requests))
	for k, v := range s.stats.s.Requests {
		out.Requests[k] = maps.Clone(v)
	}
	out.RecordsPerWrite = slices.Clone(s.stats.s.RecordsPerWrite)
	return out
}

// ResetStats zeroes the counters (not the API usage, see SetAPIUsage).
func (s *Server) ResetStats() {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	s.stats.s = Stats{Requests: map[string]map[int]int{}}
}

// APIUsage returns the API calls used today and the daily maximum, as the
// Sforce-Limit-Info header reports them.
func (s *Server) APIUsage() (used, max int) { return s.stats.usage() }

// SetAPIUsage sets the calls used today (e.g. to the maximum, to test
// REQUEST_LIMIT_EXCEEDED).
func (s *Server) SetAPIUsage(used int) {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	s.stats.used = max(0, used)
}

// writeLog is the ordered log of writes; the server's mutex guards it.
type writeLog struct {
	entries []Write
	seq     int
	limit   int
}

func (l *writeLog) add(w Write) {
	l.seq++
	w.Seq = l.seq
	l.entries = append(l.entries, w)
	if l.limit > 0 && len(l.entries) > 2*l.limit {
		l.entries = slices.Clone(l.entries[len(l.entries)-l.limit:])
	}
}

// WriteLog returns the writes in order (the newest Options.WriteLogLimit
// when that is set).
func (s *Server) WriteLog() []Write {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e := s.writes.entries
	if s.writes.limit > 0 && len(e) > s.writes.limit {
		e = e[len(e)-s.writes.limit:]
	}
	out := make([]Write, len(e))
	for i, w := range e {
		w.Fields = maps.Clone(w.Fields)
		out[i] = w
	}
	return out
}
