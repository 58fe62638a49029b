package store

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Dimensions of the second rollup level. Bank, region rows sum day rows
// (closed days and days wholly in maintenance left out); device kind, vendor and model rows sum device rows.
const (
	DimBank   = "bank"
	DimRegion = "region"
	DimKind   = "device_kind"
	DimVendor = "vendor"
	DimModel  = "model"
	// DimBranchMonth sums a branch's day rows per month: Date is YYYY-MM,
	// Group the branch. A month's branch report reads one row per branch.
	DimBranchMonth = "branch_month"
)

// TotalDims lists the dimensions SLATotals keeps, day dimensions first.
var TotalDims = []string{DimBank, DimRegion, DimBranchMonth, DimKind, DimVendor, DimModel}

// SLATotal is the second rollup level: one date's figures for one group of
// a dimension, summed over the branch-days (or device-days) of the group.
// The store keeps it in step with the day and device rows in the same
// transaction, so that a month's report for the bank, a region or a model
// reads days × groups rows instead of every branch-day.
type SLATotal struct {
	Dim  string `json:"dim"`
	Date string `json:"date"`
	// Group is the region, kind or vendor as the rows carry it (may be
	// empty); for DimModel, vendor and model joined by ModelSep; "bank" for DimBank.
	Group string `json:"group"`
	// Day dimensions: due days by verdict, never-ready days and the
	// time-to-ready histogram.
	Due, Ready, Degraded, Unknown, Never int
	ToReady                              Histogram
	// Both: whole milliseconds, so that sums are exact whatever the order.
	DeviceMS, UpMS, RepairMS int64
	Failures, Repairs        int
	// Device dimensions: device-days blamed for a late branch-day.
	Blamed int
}

// ModelSep joins vendor and model in a DimModel group.
const ModelSep = "\x1f"

// Histogram counts times to ready by whole second relative to the deadline
// (ToReadyBucket). One-second buckets keep the percentiles exact to the
// second, and a day's histogram stays small: its buckets are bounded by the
// seconds of the pre-opening window and the business day, not by branches.
type Histogram map[int64]int

// ToReadyBucket is the second a time to ready falls in: the stored
// millisecond value rounded half away from zero, so that a value read back
// from a day row lands in the same bucket as the value it was written from.
func ToReadyBucket(seconds float64) int64 {
	ms := toMS(seconds)
	if ms < 0 {
		return -((-ms + 500) / 1000)
	}
	return (ms + 500) / 1000
}

// String encodes h as "second:count" pairs in ascending order, comma separated.
func (h Histogram) String() string {
	keys := make([]int64, 0, len(h))
	for k, n := range h {
		if n != 0 {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(k, 10))
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(h[k]))
	}
	return b.String()
}

// ParseHistogram decodes Histogram.String's form (pairs in any order).
func ParseHistogram(s string) (Histogram, error) {
	h := Histogram{}
	if s == "" {
		return h, nil
	}
	for p := range strings.SplitSeq(s, ",") {
		k, n, ok := strings.Cut(p, ":")
		sec, err1 := strconv.ParseInt(k, 10, 64)
		cnt, err2 := strconv.Atoi(n)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("histogram entry %q: want second:count", p)
		}
		h[sec] += cnt
	}
	return h, nil
}

// TotalKey identifies an SLATotal.
type TotalKey struct{ Dim, Date, Group string }

// Totals accumulates rollups into SLATotals.
type Totals map[TotalKey]*SLATotal

func (ts Totals) get(dim, date, group string) *SLATotal {
	k := TotalKey{dim, date, group}
	t := ts[k]
	if t == nil {
		t = &SLATotal{Dim: dim, Date: date, Group: group, ToReady: Histogram{}}
		ts[k] = t
	}
	return t
}

// Add adds (sign 1) or takes away (sign -1) a branch-day's rows.
func (ts Totals) Add(r SLARollup, sign int) {
	d := r.Day
	if Due(d.Verdict) {
		for _, t := range []*SLATotal{ts.get(DimBank, d.Date, "bank"), ts.get(DimRegion, d.Date, d.Region), ts.get(DimBranchMonth, d.Date[:min(7, len(d.Date))], d.Branch)} {
			t.Due += sign
			switch d.Verdict {
			case "ready":
				t.Ready += sign
			case "ready_degraded":
				t.Degraded += sign
			case "unknown":
				t.Unknown += sign
			}
			if d.ToReadySeconds != nil {
				t.ToReady[ToReadyBucket(*d.ToReadySeconds)] += sign
			} else {
				t.Never += sign
			}
			t.addTimes(sign, d.DeviceSeconds, d.UpSeconds, d.RepairSeconds, d.Failures, d.Repairs)
		}
	}
	for _, v := range r.Devices {
		for _, t := range []*SLATotal{ts.get(DimKind, v.Date, v.Kind), ts.get(DimVendor, v.Date, v.Vendor), ts.get(DimModel, v.Date, v.Vendor+ModelSep+v.Model)} {
			t.addTimes(sign, v.BusinessSeconds, v.UpSeconds, v.RepairSeconds, v.Failures, v.Repairs)
			if v.Blamed {
				t.Blamed += sign
			}
		}
	}
}

func (t *SLATotal) addTimes(sign int, dev, up, repair float64, failures, repairs int) {
	s := int64(sign)
	t.DeviceMS += s * toMS(dev)
	t.UpMS += s * toMS(up)
	t.RepairMS += s * toMS(repair)
	t.Failures += sign * failures
	t.Repairs += sign * repairs
}

// Merge adds o's figures to t.
func (t *SLATotal) Merge(o *SLATotal) {
	t.Due += o.Due
	t.Ready += o.Ready
	t.Degraded += o.Degraded
	t.Unknown += o.Unknown
	t.Never += o.Never
	if t.ToReady == nil {
		t.ToReady = Histogram{}
	}
	for k, n := range o.ToReady {
		if t.ToReady[k] += n; t.ToReady[k] == 0 {
			delete(t.ToReady, k)
		}
	}
	t.DeviceMS += o.DeviceMS
	t.UpMS += o.UpMS
	t.RepairMS += o.RepairMS
	t.Failures += o.Failures
	t.Repairs += o.Repairs
	t.Blamed += o.Blamed
}

// Empty reports whether t counts nothing, so its row can go.
func (t *SLATotal) Empty() bool {
	return t.Due == 0 && t.Ready == 0 && t.Degraded == 0 && t.Unknown == 0 && t.Never == 0 && len(t.ToReady) == 0 &&
		t.DeviceMS == 0 && t.UpMS == 0 && t.RepairMS == 0 && t.Failures == 0 && t.Repairs == 0 && t.Blamed == 0
}

// Keys returns the keys of ts in a fixed order (dimension, date, group), so
// that writers touch rows in the same order and never deadlock each other.
func (ts Totals) Keys() []TotalKey {
	keys := make([]TotalKey, 0, len(ts))
	for k := range ts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.Dim != b.Dim {
			return a.Dim < b.Dim
		}
		if a.Date != b.Date {
			return a.Date < b.Date
		}
		return a.Group < b.Group
	})
	return keys
}

// SLATotalColumns are the columns SLATotalArgs and ScanSLATotals use, in order.
const SLATotalColumns = "dim, date, grp, due, ready, degraded, unknown, never, to_ready, device_ms, up_ms, failures, repairs, repair_ms, blamed"

// SLATotalArgs returns t's values in SLATotalColumns order.
func SLATotalArgs(t *SLATotal) []any {
	return []any{t.Dim, t.Date, t.Group, t.Due, t.Ready, t.Degraded, t.Unknown, t.Never, t.ToReady.String(),
		t.DeviceMS, t.UpMS, t.Failures, t.Repairs, t.RepairMS, t.Blamed}
}

// ScanSLATotals reads rows of SLATotalColumns.
func ScanSLATotals(rows Rows) ([]SLATotal, error) {
	out := []SLATotal{}
	for rows.Next() {
		t, err := ScanSLATotal(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// ScanSLATotal reads one row of SLATotalColumns.
func ScanSLATotal(sc interface{ Scan(dest ...any) error }) (SLATotal, error) {
	var t SLATotal
	var hist string
	if err := sc.Scan(&t.Dim, &t.Date, &t.Group, &t.Due, &t.Ready, &t.Degraded, &t.Unknown, &t.Never, &hist,
		&t.DeviceMS, &t.UpMS, &t.Failures, &t.Repairs, &t.RepairMS, &t.Blamed); err != nil {
		return t, err
	}
	h, err := ParseHistogram(hist)
	if err != nil {
		return t, fmt.Errorf("sla totals %s %s %q: %w", t.Dim, t.Date, t.Group, err)
	}
	t.ToReady = h
	return t, nil
}

// SLATotalsReader reads the second rollup level.
type SLATotalsReader interface {
	// SLATotals returns dim's rows with from <= date <= to, ordered by date and group.
	SLATotals(ctx context.Context, dim, from, to string) ([]SLATotal, error)
}

// DimBranch names the per-branch sums SLABranchSums returns.
const DimBranch = "branch"

// SLABranchSumsSQL is the query both stores run for SLABranchSums: the day
// rows of a date range summed per branch (and per month when byMonth) by
// the database, the times to ready gathered as a histogram ("second:1"
// pairs that ParseHistogram adds up), in SLATotalColumns order. concat is
// the dialect's string aggregate with its separator argument
// ("group_concat(%s, ',')" or "string_agg(%s, ',')"); p1 and p2 the
// placeholders of from and to.
func SLABranchSumsSQL(concat, p1, p2 string, byMonth bool) string {
	period, group := p1, "branch"
	if byMonth {
		period, group = "substr(date, 1, 7)", "substr(date, 1, 7), branch"
	}
	bucket := "(CASE WHEN to_ready_ms >= 0 THEN (to_ready_ms + 500) / 1000 ELSE -((500 - to_ready_ms) / 1000) END) || ':1'"
	return "SELECT '" + DimBranch + "', " + period + ", branch, count(*)," +
		" sum(CASE WHEN verdict = 'ready' THEN 1 ELSE 0 END), sum(CASE WHEN verdict = 'ready_degraded' THEN 1 ELSE 0 END)," +
		" sum(CASE WHEN verdict = 'unknown' THEN 1 ELSE 0 END), sum(CASE WHEN to_ready_ms IS NULL THEN 1 ELSE 0 END)," +
		" coalesce(" + fmt.Sprintf(concat, bucket) + ", ''), sum(device_ms), sum(up_ms), sum(failures), sum(repairs), sum(repair_ms), 0" +
		" FROM sla_days WHERE date >= " + p1 + " AND date <= " + p2 + " AND verdict NOT IN ('closed', 'maintenance') GROUP BY " + group
}
