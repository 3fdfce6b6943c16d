package server

import (
	"fmt"
	"time"

	"github.com/lifecycled/lifecycled/internal/report"
)

// The charts are laid out here, in Go, so the template only draws: every
// coordinate is computed once, and the figures each shape stands for are
// carried beside it (data attributes, <title> tooltips, tables).

// palette gives each default status a fixed colour: greens for good
// onboarding, oranges for poor, blues for core, purples to red for renewal
// risk. Other (custom) values take colours from extra in order.
var palette = map[string]string{
	"30 Day OnBoard-Good": "#a6dba0", "60 Day OnBoard-Good": "#5aae61", "90 Day OnBoard-Good": "#1b7837",
	"30 Day OnBoard-Poor": "#fdb863", "60 Day OnBoard-Poor": "#e08214", "90 Day OnBoard-Poor": "#b35806",
	"Core-Good": "#2166ac", "Core-Average": "#92c5de", "Core-Poor": "#d6604d",
	"Renewal-Low Risk": "#8073ac", "Renewal-Average Risk": "#c2a5cf", "Renewal-High Risk": "#b2182b",
}

var extra = []string{"#35978f", "#bf812d", "#80cdc1", "#dfc27d", "#878787", "#01665e", "#8c510a", "#c7eae5"}

// colours assigns a colour to every status in order.
func colours(statuses []string) map[string]string {
	out := map[string]string{}
	i := 0
	for _, s := range statuses {
		if c, ok := palette[s]; ok {
			out[s] = c
			continue
		}
		out[s] = extra[i%len(extra)]
		i++
	}
	return out
}

// bar is one bar of a horizontal bar chart.
type bar struct {
	Label  string
	Value  int
	Text   string // shown after the bar
	Colour string
	Status string // data-status, "" none
	Y, W   float64
}

// barChart is a horizontal bar chart.
type barChart struct {
	ID                    string
	Title                 string
	Width, Height, LabelW float64
	BarH                  float64
	Bars                  []bar
}

const (
	barRow    = 26.0
	barHeight = 18.0
	barTextW  = 90.0
)

// newBarChart lays out bars: labels on the left, bars scaled to the
// largest value.
func newBarChart(id, title string, width, labelW float64, bars []bar) barChart {
	c := barChart{ID: id, Title: title, Width: width, LabelW: labelW, BarH: barHeight,
		Height: barRow*float64(len(bars)) + 8}
	maxV := 0
	for _, b := range bars {
		maxV = max(maxV, b.Value)
	}
	plot := width - labelW - barTextW
	for i, b := range bars {
		b.Y = 4 + barRow*float64(i)
		if maxV > 0 {
			b.W = plot * float64(b.Value) / float64(maxV)
		}
		if b.Text == "" {
			b.Text = fmt.Sprint(b.Value)
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}

// segment is one status's part of one day's column.
type segment struct {
	Status string
	Count  int
	Share  float64 // 0..1
	Y, H   float64
	Colour string
}

// column is one day of the history chart.
type column struct {
	Day      string
	Total    int
	X, W     float64
	Segments []segment
}

// tick is an axis label.
type tick struct {
	Pos   float64
	Label string
}

// legendItem is a colour swatch and its status.
type legendItem struct {
	Status string
	Colour string
	X, Y   float64
}

// historyChart is the stacked share-per-day chart: one 100% column per day
// that has a snapshot, laid on a time axis from Since to Until.
type historyChart struct {
	Width, Height      float64
	Left, Top          float64
	PlotW, PlotH       float64
	Days               int
	Columns            []column
	YTicks, XTicks     []tick
	Legend             []legendItem
	LegendY, LegendEnd float64
}

func newHistoryChart(f *report.Figures, colour map[string]string) historyChart {
	c := historyChart{Width: 1000, Left: 48, Top: 12, PlotW: 930, PlotH: 260}
	since, err1 := time.Parse(time.DateOnly, f.Since)
	until, err2 := time.Parse(time.DateOnly, f.Until)
	if err1 != nil || err2 != nil || until.Before(since) {
		until = since
	}
	c.Days = int(until.Sub(since).Hours()/24) + 1
	slot := c.PlotW / float64(c.Days)
	gap := min(slot*0.15, 2)
	for _, d := range f.History {
		t, err := time.Parse(time.DateOnly, d.Day)
		if err != nil || d.Total == 0 {
			continue
		}
		i := int(t.Sub(since).Hours() / 24)
		col := column{Day: d.Day, Total: d.Total, X: c.Left + slot*float64(i) + gap/2, W: slot - gap}
		y := c.Top
		for _, s := range f.HistoryStatuses {
			n := d.Counts[s]
			if n == 0 {
				continue
			}
			h := c.PlotH * float64(n) / float64(d.Total)
			col.Segments = append(col.Segments, segment{Status: s, Count: n, Share: d.Share(s), Y: y, H: h, Colour: colour[s]})
			y += h
		}
		c.Columns = append(c.Columns, col)
	}
	for p := 0; p <= 100; p += 25 {
		c.YTicks = append(c.YTicks, tick{Pos: c.Top + c.PlotH*float64(100-p)/100, Label: fmt.Sprintf("%d%%", p)})
	}
	step := max(c.Days/6, 1)
	for i := 0; i < c.Days; i += step {
		c.XTicks = append(c.XTicks, tick{Pos: c.Left + slot*(float64(i)+0.5), Label: since.AddDate(0, 0, i).Format("Jan 2")})
	}
	// Legend: four items a row under the axis labels.
	c.LegendY = c.Top + c.PlotH + 36
	for i, s := range f.HistoryStatuses {
		c.Legend = append(c.Legend, legendItem{Status: s, Colour: colour[s],
			X: c.Left + float64(i%4)*230, Y: c.LegendY + float64(i/4)*22})
	}
	rows := (len(f.HistoryStatuses) + 3) / 4
	c.Height = c.LegendY + float64(rows)*22 + 4
	return c
}
