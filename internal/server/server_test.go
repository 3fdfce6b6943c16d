package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifecycled/lifecycled/internal/server"
	"github.com/lifecycled/lifecycled/internal/store"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// clock is a settable time source shared by the store and the server.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

var start = time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)

// mustStore opens a new state file, closed at the end of the test.
func mustStore(t *testing.T, clk *clock) *store.DB {
	t.Helper()
	db := store.New(filepath.Join(t.TempDir(), "lifecycled.db"))
	db.Now = clk.Now
	if err := db.Open(); err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// mustRun records a finished run that started at started and took d.
func mustRun(t *testing.T, db *store.DB, started time.Time, d time.Duration, outcome string) store.Run {
	t.Helper()
	ctx := context.Background()
	r, err := db.StartRun(ctx, "incremental")
	if err != nil {
		t.Fatalf("start run: %v", err)
	}
	r.Started, r.Ended, r.Outcome = started, started.Add(d), outcome
	r.Pulled, r.Changed, r.Written, r.APICalls = 120, 14, 12, 3
	if outcome == "failed" {
		r.Error = "query accounts: connection refused"
	}
	if err := db.FinishRun(ctx, r); err != nil {
		t.Fatalf("finish run: %v", err)
	}
	return r
}

// mustServe opens a server on a free loopback port and returns its base URL.
func mustServe(t *testing.T, opts server.Options) (*server.Server, string) {
	t.Helper()
	opts.Listen = "127.0.0.1:0"
	s := server.New(opts)
	if err := s.Open(); err != nil {
		t.Fatalf("open server: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("close server: %v", err)
		}
	})
	return s, "http://" + s.Addr()
}

// get fetches url and returns the status code, the body and the headers.
func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	return resp.StatusCode, string(b), resp.Header
}

func TestHealthz(t *testing.T) {
	clk := &clock{t: start}
	_, base := mustServe(t, server.Options{Store: mustStore(t, clk), Now: clk.Now, Interval: time.Minute})
	code, body, _ := get(t, base+"/healthz")
	if code != http.StatusOK || strings.TrimSpace(body) != "ok" {
		t.Fatalf("/healthz = %d %q, want 200 ok", code, body)
	}
	if code, _, _ := get(t, base+"/nothing-here"); code != http.StatusNotFound {
		t.Errorf("/nothing-here = %d, want 404", code)
	}
}

// readyz fetches /readyz and decodes its body.
func readyz(t *testing.T, base string) (int, server.Readiness) {
	t.Helper()
	code, body, h := get(t, base+"/readyz")
	if ct := h.Get("Content-Type"); ct != "application/json" {
		t.Errorf("/readyz content type = %q", ct)
	}
	var rd server.Readiness
	if err := json.Unmarshal([]byte(body), &rd); err != nil {
		t.Fatalf("/readyz body %q: %v", body, err)
	}
	return code, rd
}

func TestReadyz(t *testing.T) {
	const interval = time.Minute
	clk := &clock{t: start}
	db := mustStore(t, clk)
	_, base := mustServe(t, server.Options{Store: db, Now: clk.Now, Interval: interval})

	t.Run("NoSuccessYet", func(t *testing.T) {
		mustRun(t, db, start.Add(-2*time.Minute), time.Second, "failed")
		code, rd := readyz(t, base)
		if code != http.StatusServiceUnavailable || rd.Ready || !strings.Contains(rd.Reason, "no sync cycle has succeeded") {
			t.Fatalf("/readyz = %d %+v, want 503 with no success yet", code, rd)
		}
	})

	ok := mustRun(t, db, start, 10*time.Second, store.OutcomeOK)
	t.Run("ReadyAfterSuccess", func(t *testing.T) {
		clk.Set(ok.Ended.Add(interval))
		code, rd := readyz(t, base)
		if code != http.StatusOK || !rd.Ready || rd.Run != ok.ID || rd.AgeSeconds != 60 || rd.MaxAgeSeconds != 180 {
			t.Fatalf("/readyz = %d %+v, want 200 ready, run %d, 60s old of 180s", code, rd, ok.ID)
		}
	})
	t.Run("ReadyAtExactlyThreeIntervals", func(t *testing.T) {
		clk.Set(ok.Ended.Add(3 * interval))
		if code, rd := readyz(t, base); code != http.StatusOK {
			t.Fatalf("/readyz = %d %+v, want 200", code, rd)
		}
	})
	t.Run("UnreadyPastThreeIntervals", func(t *testing.T) {
		// Cycles keep failing (Salesforce unreachable): they do not count.
		mustRun(t, db, ok.Ended.Add(interval), time.Second, "failed")
		mustRun(t, db, ok.Ended.Add(2*interval), time.Second, "limited")
		clk.Set(ok.Ended.Add(3*interval + time.Second))
		code, rd := readyz(t, base)
		if code != http.StatusServiceUnavailable || rd.Ready || rd.Run != ok.ID ||
			!strings.Contains(rd.Reason, "more than 3 intervals") {
			t.Fatalf("/readyz = %d %+v, want 503 naming 3 intervals", code, rd)
		}
	})
	t.Run("ReadyAgainAfterRecovery", func(t *testing.T) {
		now := clk.Now()
		again := mustRun(t, db, now.Add(-5*time.Second), 5*time.Second, store.OutcomePartial)
		code, rd := readyz(t, base)
		if code != http.StatusOK || !rd.Ready || rd.Run != again.ID || rd.AgeSeconds != 0 {
			t.Fatalf("/readyz = %d %+v, want 200 ready on run %d", code, rd, again.ID)
		}
	})
	t.Run("UnreadyWhenStoreFails", func(t *testing.T) {
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		code, rd := readyz(t, base)
		if code != http.StatusServiceUnavailable || !strings.Contains(rd.Reason, "state file") {
			t.Fatalf("/readyz = %d %+v, want 503 naming the state file", code, rd)
		}
	})
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	cycles := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "lifecycled_cycles_total", Help: "Cycles."}, []string{"outcome"})
	outbox := prometheus.NewGauge(prometheus.GaugeOpts{Name: "lifecycled_outbox_depth", Help: "Outbox."})
	accounts := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "lifecycled_accounts", Help: "Accounts."}, []string{"status"})
	duration := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "lifecycled_cycle_duration_seconds", Help: "Duration.",
		Buckets: []float64{1, 10}})
	reg.MustRegister(cycles, outbox, accounts, duration)
	cycles.WithLabelValues("ok").Add(7)
	cycles.WithLabelValues("failed").Add(2)
	outbox.Set(42)
	accounts.WithLabelValues("Renewal-High Risk").Set(13)
	accounts.WithLabelValues("Core-Good").Set(1200)
	for _, d := range []float64{0.5, 3, 4, 30} {
		duration.Observe(d)
	}

	clk := &clock{t: start}
	_, base := mustServe(t, server.Options{Store: mustStore(t, clk), Gatherer: reg, Now: clk.Now})
	code, body, _ := get(t, base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics = %d", code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	value := func(name, label, lv string) float64 {
		t.Helper()
		mf, ok := fams[name]
		if !ok {
			t.Fatalf("/metrics lacks %s", name)
		}
		for _, m := range mf.GetMetric() {
			match := label == ""
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == lv {
					match = true
				}
			}
			if !match {
				continue
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
		t.Fatalf("/metrics: no %s{%s=%q}", name, label, lv)
		return 0
	}
	for _, c := range []struct {
		name, label, value string
		want               float64
	}{
		{"lifecycled_cycles_total", "outcome", "ok", 7},
		{"lifecycled_cycles_total", "outcome", "failed", 2},
		{"lifecycled_outbox_depth", "", "", 42},
		{"lifecycled_accounts", "status", "Renewal-High Risk", 13},
		{"lifecycled_accounts", "status", "Core-Good", 1200},
		{"lifecycled_cycle_duration_seconds", "", "", 4},
	} {
		if got := value(c.name, c.label, c.value); got != c.want {
			t.Errorf("%s{%s=%q} = %v, want %v", c.name, c.label, c.value, got, c.want)
		}
	}
	h := fams["lifecycled_cycle_duration_seconds"].GetMetric()[0].GetHistogram()
	if got, want := h.GetSampleSum(), 37.5; got != want {
		t.Errorf("duration sum = %v, want %v", got, want)
	}
	if b := h.GetBucket(); len(b) < 2 || b[0].GetCumulativeCount() != 1 || b[1].GetCumulativeCount() != 3 {
		t.Errorf("duration buckets = %v, want 1 under 1s and 3 under 10s", b)
	}

	t.Run("NoGatherer", func(t *testing.T) {
		_, base := mustServe(t, server.Options{Store: mustStore(t, clk), Now: clk.Now})
		code, body, _ := get(t, base+"/metrics")
		if code != http.StatusOK || strings.Contains(body, "lifecycled_") {
			t.Errorf("/metrics without a gatherer = %d %q, want 200 and no lifecycled metric", code, body)
		}
	})
}

func TestCloseIsIdempotent(t *testing.T) {
	clk := &clock{t: start}
	s := server.New(server.Options{Listen: "127.0.0.1:0", Store: mustStore(t, clk)})
	ctx := context.Background()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("close before open: %v", err)
	}
	if s.Addr() != "" {
		t.Errorf("addr before open = %q", s.Addr())
	}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	addr := s.Addr()
	if err := s.Open(); err == nil {
		t.Error("second open: no error")
	}
	for i := range 2 {
		if err := s.Close(ctx); err != nil {
			t.Fatalf("close %d: %v", i, err)
		}
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("server still answers after close")
	}
	again := server.New(server.Options{Listen: addr})
	if err := again.Open(); err != nil {
		t.Fatalf("the port is not free after close: %v", err)
	}
	if err := again.Close(ctx); err != nil {
		t.Fatal(err)
	}
}
