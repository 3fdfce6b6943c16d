package server

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/lifecycled/lifecycled/internal/calibration"
)

//go:embed cfo.html
var cfoHTML string

// intervalChart draws each risk bucket's renewal rate (at the forecast
// horizon) with its 95% interval; a bucket with too few renewals is said,
// not drawn.
type intervalChart struct {
	Height int
	Rows   []intervalRow
}

type intervalRow struct {
	Bucket, Colour string
	Y              int
	Drawn          bool
	X, X1, X2      float64
}

// trendChart is one view of the bucket shares over time.
type trendChart struct {
	Name, Title string
	Days        int
	Lines       []trendLine
}

// trendLine is one bucket's share over a view's days: Points for the SVG,
// Shares ("2006-01-02=0.2500 ...") for the page's data attribute.
type trendLine struct{ Bucket, Colour, Points, Shares string }

// MinForRate and MinForInterval are the calibration's thresholds, for the
// page's notes.
func (p *page) MinForRate() int     { return calibration.MinForRate }
func (p *page) MinForInterval() int { return calibration.MinForInterval }

func (p *page) cfo() {
	p.Buckets = calibration.Buckets
	h := p.F.Calibration.Horizon(calibration.ForecastHorizon)
	ic := &intervalChart{Height: 22 * len(calibration.Buckets)}
	for i, b := range calibration.Buckets {
		r := h.Bucket(b)
		row := intervalRow{Bucket: b, Colour: p.colour(calibration.BucketStatuses[i]), Y: 22 * i, Drawn: r.Interval}
		const left, width = 110.0, 200.0
		row.X, row.X1, row.X2 = left+width*r.Rate, left+width*r.Low, left+width*r.High
		ic.Rows = append(ic.Rows, row)
	}
	p.Intervals = ic
	if p.F.Trend == nil {
		return
	}
	titles := map[string]string{"90d": "last 90 days", "1y": "last year", "all": "all history"}
	for _, v := range p.F.Trend.Views {
		tc := trendChart{Name: v.Name, Title: titles[v.Name], Days: len(v.Days)}
		for i, b := range calibration.Buckets {
			var pts, shares []string
			for k, d := range v.Days {
				x := 0.0
				if len(v.Days) > 1 {
					x = 320 * float64(k) / float64(len(v.Days)-1)
				}
				n := []int{d.Low, d.Average, d.High}[i]
				share := 0.0
				if d.Paying > 0 {
					share = float64(n) / float64(d.Paying)
				}
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, 110-100*share))
				shares = append(shares, fmt.Sprintf("%s=%.4f", d.Day, share))
			}
			tc.Lines = append(tc.Lines, trendLine{Bucket: b, Colour: p.colour(calibration.BucketStatuses[i]), Points: strings.Join(pts, " "),
				Shares: strings.Join(shares, " ")})
		}
		p.Trends = append(p.Trends, tc)
	}
}
