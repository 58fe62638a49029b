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
}

// Report is an SLA report.
type Report struct {
	From       string   `json:"from"`
	To         string   `json:"to"`
	GroupBy    GroupBy  `json:"group_by"`
	Period     Period   `json:"period"`
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
	// before it) over the days the branch became ready at all.
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

// acc accumulates one row.
type acc struct {
	period, group               string
	due, onTime, unknown, never int
	toReady                     []float64
	devSec, upSec, repairSec    float64
	failures, repairs, blocked  int
}

// Build aggregates rollup rows into a report. It reads days for bank,
// region and branch groupings and devs for the others; rows outside the
// query's dates are ignored.
func Build(q Query, s Settings, days []store.SLADay, devs []store.SLADevice) Report {
	rep := Report{From: q.From, To: q.To, GroupBy: q.GroupBy, Period: q.Period, Objectives: s, Rows: []Row{}}
	accs := map[[2]string]*acc{}
	get := func(date, group string) *acc {
		k := [2]string{periodOf(q, date), group}
		a := accs[k]
		if a == nil {
			a = &acc{period: k[0], group: group}
			accs[k] = a
		}
		return a
	}
	if q.GroupBy.DeviceGrouping() {
		for _, v := range devs {
			if v.Date < q.From || v.Date > q.To {
				continue
			}
			a := get(v.Date, deviceGroup(q.GroupBy, v))
			a.devSec += v.BusinessSeconds
			a.upSec += v.UpSeconds
			a.failures += v.Failures
			a.repairs += v.Repairs
			a.repairSec += v.RepairSeconds
			if v.Blamed {
				a.blocked++
			}
		}
	} else {
		for _, d := range days {
			if d.Date < q.From || d.Date > q.To || d.Verdict == string(readiness.Closed) {
				continue
			}
			a := get(d.Date, dayGroup(q.GroupBy, d))
			a.addDay(d, s.CountDegraded)
		}
	}
	for _, a := range accs {
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
		a.toReady = append(a.toReady, *d.ToReadySeconds)
	} else {
		a.never++
	}
	a.devSec += d.DeviceSeconds
	a.upSec += d.UpSeconds
	a.failures += d.Failures
	a.repairs += d.Repairs
	a.repairSec += d.RepairSeconds
}

func (a *acc) row(s Settings, readinessToo bool) Row {
	r := Row{Period: a.period, Group: a.group, Failures: a.failures, Repairs: a.repairs, BlockedDays: a.blocked}
	if a.repairs > 0 {
		m := a.repairSec / float64(a.repairs)
		r.MTTRSeconds = &m
	}
	if readinessToo {
		late := a.due - a.onTime
		o := &OnTime{DueDays: a.due, OnTimeDays: a.onTime, LateDays: late, UnknownDays: a.unknown, NeverReadyDays: a.never,
			Ratio: ratio(float64(a.onTime), float64(a.due)), Zone: s.OnTime.Zone(float64(a.onTime), float64(a.due)),
			Budget: s.OnTime.Budget(float64(late), float64(a.due), true)}
		sort.Float64s(a.toReady)
		o.ToReadyP50Seconds, o.ToReadyP90Seconds = Percentile(a.toReady, 0.5), Percentile(a.toReady, 0.9)
		r.OnTime = o
	}
	hours, down := a.devSec/3600, (a.devSec-a.upSec)/3600
	r.Availability = &Availability{DeviceHours: round(hours), DownHours: round(down), Ratio: ratio(a.upSec, a.devSec),
		Zone: s.Availability.Zone(a.upSec, a.devSec), Budget: s.Availability.Budget(down, hours, false)}
	r.Availability.Budget = roundBudget(r.Availability.Budget)
	return r
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
