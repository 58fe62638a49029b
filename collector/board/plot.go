package board

import (
	"fmt"
	"strings"

	"github.com/branchready/branchready/collector/sla"
)

// Plot geometry, in SVG user units; the SVG scales to its container, so a
// 390 px phone shows the same picture smaller.
const (
	plotW, plotH           = 600.0, 220.0
	padL, padR, padT, padB = 44.0, 26.0, 12.0, 34.0
)

// Trend is the daily on-time readiness line with the objective's levels.
type Trend struct {
	W, H                float64
	Points              []TrendPoint
	Path                string
	DesiredY, AdequateY float64
	Desired, Adequate   float64
	Min                 float64
	Ticks               []Tick
	X0, X1, Y0, Y1      float64
}

// TrendPoint is one day of the trend; Value is the on-time ratio.
type TrendPoint struct {
	X, Y  float64
	Date  string
	Value float64
	Zone  sla.Zone
}

// Tick is an axis label.
type Tick struct {
	X, Y  float64
	Label string
}

// trend plots the bank's daily on-time ratio. The y axis starts a little
// below the lowest of the values and the adequate level, so the two
// objective lines and the breaches between them are both visible.
func trend(daily []sla.Row, o sla.Objective) Trend {
	t := Trend{W: plotW, H: plotH, Desired: o.Desired, Adequate: o.Adequate, X0: padL, X1: plotW - padR, Y0: plotH - padB, Y1: padT}
	lo := o.Adequate
	var pts []sla.Row
	for _, r := range daily {
		if r.OnTime != nil && r.OnTime.Ratio != nil {
			pts = append(pts, r)
			lo = min(lo, *r.OnTime.Ratio)
		}
	}
	t.Min = max(0, float64(int((lo-0.05)*20))/20)
	y := func(v float64) float64 { return t.Y0 - (v-t.Min)/(1-t.Min)*(t.Y0-t.Y1) }
	t.DesiredY, t.AdequateY = y(o.Desired), y(o.Adequate)
	var path strings.Builder
	for i, r := range pts {
		x := t.X0
		if len(pts) > 1 {
			x += float64(i) / float64(len(pts)-1) * (t.X1 - t.X0)
		}
		p := TrendPoint{X: x, Y: y(*r.OnTime.Ratio), Date: r.Period, Value: *r.OnTime.Ratio, Zone: r.OnTime.Zone}
		t.Points = append(t.Points, p)
		fmt.Fprintf(&path, "%s%.1f,%.1f ", map[bool]string{true: "M", false: "L"}[i == 0], p.X, p.Y)
		if i == 0 || i == len(pts)-1 || len(pts) <= 8 || i%(len(pts)/6+1) == 0 {
			t.Ticks = append(t.Ticks, Tick{X: x, Y: t.Y0 + 16, Label: r.Period[5:]})
		}
	}
	t.Path = strings.TrimSpace(path.String())
	for _, v := range []float64{t.Min, (t.Min + 1) / 2, 1} {
		t.Ticks = append(t.Ticks, Tick{X: t.X0 - 4, Y: y(v) + 4, Label: fmt.Sprintf("%.0f%%", v*100)})
	}
	return t
}

// Bars is a bar chart; each bar keeps its number for the label and the test.
type Bars struct {
	W, H float64
	Bars []Bar
}

// Bar is one bar.
type Bar struct {
	X, Y, BW, BH float64
	Label        string
	Value        float64
	Text         string
	Class        string
}

// distribution draws the time-to-ready histogram, one column per bucket.
func distribution(bs []sla.Bucket) Bars {
	out := Bars{W: plotW, H: plotH}
	most := 1
	for _, b := range bs {
		most = max(most, b.Days)
	}
	slot := (plotW - padL - padR) / float64(len(bs))
	for i, b := range bs {
		h := float64(b.Days) / float64(most) * (plotH - padT - padB)
		class := "early"
		if b.Below > 0 || b.Label == "never" {
			class = "late"
		}
		out.Bars = append(out.Bars, Bar{X: padL + float64(i)*slot + 3, Y: plotH - padB - h, BW: slot - 6, BH: h,
			Label: b.Label, Value: float64(b.Days), Text: fmt.Sprint(b.Days), Class: class})
	}
	return out
}

// availabilityBars draws a top-N list as horizontal bars of availability.
func availabilityBars(rows []sla.Row) Bars {
	const rowH = 26.0
	out := Bars{W: plotW, H: rowH*float64(len(rows)) + 4}
	for i, r := range rows {
		v := *r.Availability.Ratio
		out.Bars = append(out.Bars, Bar{X: 220, Y: float64(i)*rowH + 4, BW: v * (plotW - 220 - 70), BH: rowH - 8,
			Label: r.Group, Value: v, Text: fmt.Sprintf("%.2f%%", v*100), Class: string(r.Availability.Zone)})
	}
	return out
}
