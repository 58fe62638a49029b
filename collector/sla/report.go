package sla

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
)

// GroupBy names what a report's rows are.
type GroupBy string

// Groupings. Bank, region and branch rows carry on-time readiness and the
// availability of all their devices; device kind, vendor, model and device
// rows carry availability, failures and repair only (a branch-day belongs
// to no one device), plus how many late branch-days the group blocked.
const (
	ByBank       GroupBy = "bank"
	ByRegion     GroupBy = "region"
	ByBranch     GroupBy = "branch"
	ByDeviceKind GroupBy = "device_kind"
	ByVendor     GroupBy = "vendor"
	ByModel      GroupBy = "model"
	ByDevice     GroupBy = "device"
)

// Groupings lists the accepted GroupBy values in the order the API documents them.
var Groupings = []GroupBy{ByBank, ByRegion, ByBranch, ByDeviceKind, ByVendor, ByModel, ByDevice}

// DeviceGrouping reports whether g groups device rows.
func (g GroupBy) DeviceGrouping() bool {
	return g == ByDeviceKind || g == ByVendor || g == ByModel || g == ByDevice
}

// Period splits a report's range; each branch-day falls in the period of
// its branch-local date.
type Period string

// Periods.
const (
	Whole Period = "all"
	Day   Period = "day"
	Week  Period = "week" // ISO 8601 week, e.g. 2026-W10
	Month Period = "month"
)

// Periods lists the accepted Period values.
var Periods = []Period{Whole, Day, Week, Month}

// Settings are the objectives reports are judged against.
type Settings struct {
	OnTime       Objective `json:"on_time_readiness"`
	Availability Objective `json:"availability"`
	// CountDegraded counts ready_degraded days as on time.
	CountDegraded bool `json:"count_degraded_as_ready"`
}

// Query selects a report: branch-local dates from and to (inclusive).
type Query struct {
	From, To string
	GroupBy  GroupBy
	Period   Period
	// AsOf is Latest (the default) or AtDeadline.
	AsOf AsOf
}

// AsOf says which verdict of a revised branch-day a report counts.
type AsOf string

// Verdict views: the latest (every revision applied) or what was known at
// the deadline (each revised day's verdict and time to ready before its
// first revision).
const (
	Latest     AsOf = "latest"
	AtDeadline AsOf = "deadline"
)

// Report is an SLA report.
type Report struct {
	From       string   `json:"from"`
	To         string   `json:"to"`
	GroupBy    GroupBy  `json:"group_by"`
	Period     Period   `json:"period"`
	AsOf       AsOf     `json:"as_of,omitempty"`
	Objectives Settings `json:"objectives"`
	Rows       []Row    `json:"rows"`
}

// Row is one group in one period.
type Row struct {
	// Period is the whole range's "from..to", a date, an ISO week or a month.
	Period string `json:"period"`
	// Group is "bank", a region, a branch id, a device kind, vendor or
	// model, or branch/device.
	Group        string        `json:"group"`
	OnTime       *OnTime       `json:"on_time_readiness,omitempty"`
	Availability *Availability `json:"availability,omitempty"`
	Failures     int           `json:"failures"`
	Repairs      int           `json:"repairs"`
	// MTTRSeconds is the mean time to repair of the repaired failures.
	MTTRSeconds *float64 `json:"mttr_seconds,omitempty"`
	// BlockedDays (device groupings) counts late branch-days on which a
	// device of the group was among the blocking problems at the deadline.
	BlockedDays int `json:"blocked_days,omitempty"`
}

// OnTime is on-time readiness: branch-days due (not closed) and ready by the deadline.
type OnTime struct {
	DueDays    int `json:"due_days"`
	OnTimeDays int `json:"on_time_days"`
	// LateDays are due days not on time, UnknownDays (no data) among them.
	LateDays    int      `json:"late_days"`
	UnknownDays int      `json:"unknown_days"`
	Ratio       *float64 `json:"ratio"`
	// ToReady percentiles are seconds relative to the deadline (negative:
	// before it) over the days the branch became ready at all, nearest rank
	// over whole seconds (store.ToReadyBucket).
	ToReadyP50Seconds *float64 `json:"to_ready_p50_seconds"`
	ToReadyP90Seconds *float64 `json:"to_ready_p90_seconds"`
	NeverReadyDays    int      `json:"never_ready_days"`
	Zone              Zone     `json:"zone"`
	// Budget counts late branch-days.
	Budget Budget `json:"budget"`
}

// Availability is device availability in business hours.
type Availability struct {
	DeviceHours float64  `json:"device_hours"`
	DownHours   float64  `json:"down_hours"`
	Ratio       *float64 `json:"ratio"`
	Zone        Zone     `json:"zone"`
	// Budget counts device-hours down.
	Budget Budget `json:"budget"`
}

// acc accumulates one row. Durations are summed in whole milliseconds, as
// the stores keep them, so that a report from day rows and one from the
// totals are equal to the last bit whatever order the rows came in.
type acc struct {
	period, group               string
	due, onTime, unknown, never int
	toReady                     store.Histogram
	devMS, upMS, repairMS       int64
	failures, repairs, blocked  int
}

// accs holds a report's accumulators by period and group.
type accs map[[2]string]*acc

func (m accs) get(q Query, date, group string) *acc {
	k := [2]string{periodOf(q, date), group}
	a := m[k]
	if a == nil {
		a = &acc{period: k[0], group: group, toReady: store.Histogram{}}
		m[k] = a
	}
	return a
}

// report turns the accumulators into q's sorted rows.
func (m accs) report(q Query, s Settings) Report {
	rep := Report{From: q.From, To: q.To, GroupBy: q.GroupBy, Period: q.Period, AsOf: q.AsOf, Objectives: s, Rows: []Row{}}
	for _, a := range m {
		rep.Rows = append(rep.Rows, a.row(s, !q.GroupBy.DeviceGrouping()))
	}
	sort.Slice(rep.Rows, func(i, j int) bool {
		if rep.Rows[i].Period != rep.Rows[j].Period {
			return rep.Rows[i].Period < rep.Rows[j].Period
		}
		return rep.Rows[i].Group < rep.Rows[j].Group
	})
	return rep
}

// Build aggregates rollup rows into a report. It reads days for bank,
// region and branch groupings and devs for the others; rows outside the
// query's dates are ignored.
func Build(q Query, s Settings, days []store.SLADay, devs []store.SLADevice) Report {
	m := accs{}
	if q.GroupBy.DeviceGrouping() {
		for _, v := range devs {
			if v.Date < q.From || v.Date > q.To {
				continue
			}
			a := m.get(q, v.Date, deviceGroup(q.GroupBy, v))
			a.addTimes(v.BusinessSeconds, v.UpSeconds, v.RepairSeconds, v.Failures, v.Repairs)
			if v.Blamed {
				a.blocked++
			}
		}
	} else {
		for _, d := range days {
			if d.Date < q.From || d.Date > q.To || !readiness.Due(readiness.Verdict(d.Verdict)) {
				continue
			}
			m.get(q, d.Date, dayGroup(q.GroupBy, d)).addDay(d, s.CountDegraded)
		}
	}
	return m.report(q, s)
}

func (a *acc) addTimes(dev, up, repair float64, failures, repairs int) {
	a.devMS += store.MS(dev)
	a.upMS += store.MS(up)
	a.repairMS += store.MS(repair)
	a.failures += failures
	a.repairs += repairs
}

func (a *acc) addDay(d store.SLADay, countDegraded bool) {
	a.due++
	switch readiness.Verdict(d.Verdict) {
	case readiness.Ready:
		a.onTime++
	case readiness.ReadyDegraded:
		if countDegraded {
			a.onTime++
		}
	case readiness.Unknown:
		a.unknown++
	}
	if d.ToReadySeconds != nil {
		a.toReady[store.ToReadyBucket(*d.ToReadySeconds)]++
	} else {
		a.never++
	}
	a.addTimes(d.DeviceSeconds, d.UpSeconds, d.RepairSeconds, d.Failures, d.Repairs)
}

func (a *acc) row(s Settings, readinessToo bool) Row {
	r := Row{Period: a.period, Group: a.group, Failures: a.failures, Repairs: a.repairs, BlockedDays: a.blocked}
	if a.repairs > 0 {
		m := float64(a.repairMS) / 1000 / float64(a.repairs)
		r.MTTRSeconds = &m
	}
	if readinessToo {
		late := a.due - a.onTime
		o := &OnTime{DueDays: a.due, OnTimeDays: a.onTime, LateDays: late, UnknownDays: a.unknown, NeverReadyDays: a.never,
			Ratio: ratio(float64(a.onTime), float64(a.due)), Zone: s.OnTime.Zone(float64(a.onTime), float64(a.due)),
			Budget: s.OnTime.Budget(float64(late), float64(a.due), true)}
		o.ToReadyP50Seconds, o.ToReadyP90Seconds = HistogramPercentile(a.toReady, 0.5), HistogramPercentile(a.toReady, 0.9)
		r.OnTime = o
	}
	devSec, upSec := float64(a.devMS)/1000, float64(a.upMS)/1000
	hours, down := devSec/3600, float64(a.devMS-a.upMS)/1000/3600
	r.Availability = &Availability{DeviceHours: round(hours), DownHours: round(down), Ratio: ratio(upSec, devSec),
		Zone: s.Availability.Zone(upSec, devSec), Budget: s.Availability.Budget(down, hours, false)}
	r.Availability.Budget = roundBudget(r.Availability.Budget)
	return r
}

// HistogramPercentile is the nearest-rank p-quantile of the times in h
// (whole seconds), nil when h is empty.
func HistogramPercentile(h store.Histogram, p float64) *float64 {
	keys := make([]int64, 0, len(h))
	n := 0
	for k, c := range h {
		if c > 0 {
			keys = append(keys, k)
			n += c
		}
	}
	if n == 0 {
		return nil
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	rank := max(int(math.Ceil(p*float64(n))), 1)
	for _, k := range keys {
		if rank -= h[k]; rank <= 0 {
			v := float64(k)
			return &v
		}
	}
	v := float64(keys[len(keys)-1])
	return &v
}

// Percentile is the nearest-rank p-quantile of sorted values, nil when empty.
func Percentile(sorted []float64, p float64) *float64 {
	if len(sorted) == 0 {
		return nil
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	v := sorted[max(i, 0)]
	return &v
}

func ratio(good, total float64) *float64 {
	if total <= 0 {
		return nil
	}
	r := good / total
	return &r
}

// round keeps hours to the millisecond's worth of precision JSON readers need.
func round(h float64) float64 { return math.Round(h*1e6) / 1e6 }

func roundBudget(b Budget) Budget {
	b.Allowed, b.Used, b.Left, b.BurnRate = round(b.Allowed), round(b.Used), round(b.Left), round(b.BurnRate)
	return b
}

func periodOf(q Query, date string) string {
	switch q.Period {
	case Day:
		return date
	case Month:
		return date[:7]
	case Week:
		t, err := time.Parse(time.DateOnly, date)
		if err != nil {
			return date
		}
		y, w := t.ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	default:
		return q.From + ".." + q.To
	}
}

func dayGroup(g GroupBy, d store.SLADay) string {
	switch g {
	case ByRegion:
		return orNone(d.Region)
	case ByBranch:
		return d.Branch
	default:
		return "bank"
	}
}

func deviceGroup(g GroupBy, v store.SLADevice) string {
	switch g {
	case ByDeviceKind:
		return orNone(v.Kind)
	case ByVendor:
		return orNone(v.Vendor)
	case ByModel:
		return orNone(v.Vendor) + " " + orNone(v.Model)
	default:
		return v.Branch + "/" + v.Device
	}
}

// orNone names the group of rows that leave a field empty.
func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
