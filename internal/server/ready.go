package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/lifecycled/lifecycled/internal/store"
)

// Readiness is /readyz's answer, also shown on the dashboard.
type Readiness struct {
	Ready  bool   `json:"ready"`
	Reason string `json:"reason"`
	// LastSuccess is when the last successful cycle ended (absent: none).
	LastSuccess *time.Time `json:"last_success,omitempty"`
	// AgeSeconds is how long ago that was; MaxAgeSeconds the limit
	// (ReadyIntervals intervals; 0: no limit).
	AgeSeconds    float64 `json:"age_seconds"`
	MaxAgeSeconds float64 `json:"max_age_seconds"`
	Run           int64   `json:"run,omitempty"` // the last successful run's id
}

// Ready reports whether the daemon is ready: the store answers a query,
// nothing blocks it (Options.Blocked), and the last successful cycle (store.LastSuccess) ended no more than
// ReadyIntervals intervals before Now. A cycle that ended "in the future" (a
// clock step back) counts as recent.
func (s *Server) Ready(ctx context.Context) Readiness {
	maxAge := time.Duration(ReadyIntervals) * s.opts.Interval
	rd := Readiness{MaxAgeSeconds: maxAge.Seconds()}
	if s.opts.Store == nil {
		rd.Reason = "no state file"
		return rd
	}
	if err := s.opts.Store.Ping(ctx); err != nil {
		rd.Reason = fmt.Sprintf("state file does not answer: %v", err)
		return rd
	}
	if s.opts.Blocked != nil {
		if why := s.opts.Blocked(); why != "" {
			rd.Reason = why
			return rd
		}
	}
	last, err := s.opts.Store.LastSuccess(ctx)
	switch {
	case errors.Is(err, store.ErrNotFound):
		rd.Reason = "no sync cycle has succeeded yet"
		return rd
	case err != nil:
		rd.Reason = fmt.Sprintf("state file: %v", err)
		return rd
	}
	ended := last.Ended
	if ended.IsZero() {
		ended = last.Started
	}
	age := max(s.opts.Now().Sub(ended), 0)
	rd.LastSuccess, rd.AgeSeconds, rd.Run = &ended, age.Seconds(), last.ID
	if maxAge > 0 && age > maxAge {
		rd.Reason = fmt.Sprintf("the last successful sync cycle (run %d) ended %s ago, more than %d intervals (%s)",
			last.ID, age.Round(time.Second), ReadyIntervals, maxAge)
		return rd
	}
	rd.Ready = true
	rd.Reason = fmt.Sprintf("the last successful sync cycle (run %d) ended %s ago", last.ID, age.Round(time.Second))
	return rd
}

// readyz answers 200 when Ready, 503 otherwise, with the Readiness as JSON.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	rd := s.Ready(ctx)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !rd.Ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(rd)
}
