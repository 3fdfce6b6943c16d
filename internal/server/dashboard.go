package server

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/lifecycled/lifecycled/internal/report"
)

//go:embed dashboard.html
var dashboardHTML string

var dashboardTmpl = template.Must(template.New("dashboard").Funcs(template.FuncMap{
	"f1":      func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) },
	"pct":     func(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) + "%" },
	"share":   share,
	"money":   report.Money,
	"addi":    func(a, b int) int { return a + b },
	"value":   report.Value,
	"seconds": seconds,
	"add":     func(a, b float64) float64 { return a + b },
}).Parse(dashboardHTML + cfoHTML))

// page is what the dashboard template renders.
type page struct {
	Loc        *time.Location
	F          *report.Figures
	Ready      Readiness
	Colour     map[string]string
	Statuses   barChart
	Onboarding barChart
	Core       barChart
	Renewals   barChart
	History    historyChart
	CoreTotal  int
	Renewing   int
	Revenue    float64
	Buckets    []string
	Intervals  *intervalChart
	Trends     []trendChart
}

// dashboard renders the lifecycle dashboard. The page is built in memory
// first, so a store error gives a clean 500 rather than half a page.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	p, err := s.page(ctx)
	var buf bytes.Buffer
	if err == nil {
		err = dashboardTmpl.Execute(&buf, p)
	}
	if err != nil {
		s.opts.Logger.Error("render dashboard", "error", err)
		http.Error(w, "the dashboard could not read the state file; see the daemon's log", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	// No external asset, no script: the page is complete as served.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'")
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) page(ctx context.Context) (*page, error) {
	if s.opts.Store == nil {
		return nil, fmt.Errorf("no state file")
	}
	f, err := report.Build(ctx, s.opts.Store, report.Options{
		Now: s.opts.Now(), Location: s.opts.Location,
		StatusValues: s.opts.StatusValues, RevenueField: s.opts.RevenueField, Fields: s.opts.Fields,
	})
	if err != nil {
		return nil, err
	}
	p := &page{Loc: s.opts.Location, F: f, Ready: s.Ready(ctx), Colour: colours(f.HistoryStatuses)}

	var bars []bar
	for _, st := range f.Statuses {
		bars = append(bars, bar{Label: st.Status, Value: st.Accounts, Colour: p.Colour[st.Status], Status: st.Status,
			Text: fmt.Sprintf("%d (%s)", st.Accounts, share(st.Accounts, f.Paying))})
	}
	p.Statuses = newBarChart("chart-statuses", "Paying accounts per lifecycle status", 620, 170, bars)

	bars = nil
	for i, c := range f.Onboarding {
		good, poor := report.OnboardingStatuses[2*i], report.OnboardingStatuses[2*i+1]
		bars = append(bars,
			bar{Label: fmt.Sprintf("%d days: Good", c.Day), Value: c.Good, Colour: p.colour(good), Status: good},
			bar{Label: fmt.Sprintf("%d days: Poor", c.Day), Value: c.Poor, Colour: p.colour(poor), Status: poor})
	}
	p.Onboarding = newBarChart("chart-onboarding", "Onboarding at 30, 60 and 90 days", 400, 110, bars)

	bars = nil
	for _, c := range f.Core {
		p.CoreTotal += c.Accounts
		bars = append(bars, bar{Label: c.Tier, Value: c.Accounts, Colour: p.colour(c.Status), Status: c.Status})
	}
	p.Core = newBarChart("chart-core", "Core accounts by health", 400, 110, bars)

	bars = nil
	for _, c := range f.Renewals {
		p.Renewing += c.Accounts
		p.Revenue += c.Revenue
		bars = append(bars, bar{Label: c.Risk, Value: c.Accounts, Colour: p.colour(c.Status), Status: c.Status})
	}
	p.Renewals = newBarChart("chart-renewals", "Renewals in the next 120 days by risk", 400, 110, bars)

	p.History = newHistoryChart(f, p.Colour)
	p.cfo()
	return p, nil
}

func (p *page) colour(status string) string {
	if c, ok := p.Colour[status]; ok {
		return c
	}
	return palette[status]
}

// share renders n/total as a percentage with one decimal, "-" for 0/0.
func share(n, total int) string {
	if total == 0 {
		return "-"
	}
	return strconv.FormatFloat(100*float64(n)/float64(total), 'f', 1, 64) + "%"
}

// When renders a time in the configured zone.
func (p *page) When(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(p.Loc).Format("2006-01-02 15:04:05 MST")
}

func seconds(r report.Run) string {
	if s := r.Seconds(); s >= 0 {
		return strconv.FormatFloat(s, 'f', 1, 64)
	}
	return "-"
}
