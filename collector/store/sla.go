package store

import (
	"context"
	"time"
)

// SLADay is one branch-day rolled up for the SLA reports: the readiness
// verdict once final and the day's device availability summed over the
// branch's devices. Reports read these rows, never raw results.
type SLADay struct {
	Branch string `json:"branch"`
	Region string `json:"region"`
	// Date is the branch-local date, YYYY-MM-DD.
	Date    string `json:"date"`
	Verdict string `json:"verdict"`
	// Deadline is the readiness deadline of the day.
	Deadline time.Time `json:"deadline"`
	// ToReadySeconds is the time to ready relative to the deadline
	// (negative: ready before it); nil when the branch was never ready that day.
	ToReadySeconds *float64 `json:"to_ready_seconds,omitempty"`
	// DeviceSeconds is business-hour seconds summed over devices;
	// UpSeconds the part of them a device was working.
	DeviceSeconds float64   `json:"device_seconds"`
	UpSeconds     float64   `json:"up_seconds"`
	Failures      int       `json:"failures"`
	Repairs       int       `json:"repairs"`
	RepairSeconds float64   `json:"repair_seconds"`
	RolledAt      time.Time `json:"rolled_at"`
}

// SLADevice is one device's branch-day for the SLA reports.
type SLADevice struct {
	Branch          string  `json:"branch"`
	Region          string  `json:"region"`
	Date            string  `json:"date"`
	Device          string  `json:"device"`
	Kind            string  `json:"kind"`
	Vendor          string  `json:"vendor"`
	Model           string  `json:"model"`
	BusinessSeconds float64 `json:"business_seconds"`
	UpSeconds       float64 `json:"up_seconds"`
	Failures        int     `json:"failures"`
	Repairs         int     `json:"repairs"`
	RepairSeconds   float64 `json:"repair_seconds"`
	// Blamed is set when the device was among the blocking problems at the
	// deadline of a day the branch was not ready.
	Blamed bool `json:"blamed"`
}

// SLARollup is a branch-day's rollup: its day row and its device rows.
type SLARollup struct {
	Day     SLADay
	Devices []SLADevice
	// Revision, when set, is stored with the rows: the day's verdict
	// changed after the deadline.
	Revision *SLARevision
}

// SLA keeps the SLA rollups. Both stores implement it; storetest holds them to it.
type SLA interface {
	// PutSLARollups replaces each branch-day's rows (day and devices) in
	// one transaction, so a re-rolled day never mixes old and new devices.
	PutSLARollups(ctx context.Context, rs []SLARollup) error
	// SLADays returns the day rows with from <= date <= to (YYYY-MM-DD),
	// ordered by date and branch.
	SLADays(ctx context.Context, from, to string) ([]SLADay, error)
	// SLADevices returns the device rows with from <= date <= to, ordered
	// by date, branch and device.
	SLADevices(ctx context.Context, from, to string) ([]SLADevice, error)
	// SLATotals returns the second rollup level (see SLATotal), kept in
	// step with the rows by PutSLARollups.
	SLATotalsReader
	// SLABranchSums returns the day rows from..to summed per branch by the
	// database (Dim DimBranch, Group the branch, Date from, or the month
	// YYYY-MM when byMonth), so that a month's branch report reads one row
	// per branch instead of one per branch-day.
	SLABranchSums(ctx context.Context, from, to string, byMonth bool) ([]SLATotal, error)
	// SLARevisions returns the revisions of days from <= date <= to, of
	// one branch or of all when branch is "", ordered by branch, date and time.
	SLARevisions(ctx context.Context, branch, from, to string) ([]SLARevision, error)
	// ReceivedResults is Results with the time each result was received.
	ReceivedResults(ctx context.Context, branch string, from, to time.Time) ([]ReceivedResult, error)
}

// SLADayColumns and SLADeviceColumns are the columns ScanSLADays and
// ScanSLADevices read, in order.
const (
	SLADayColumns    = "branch, region, date, verdict, deadline, to_ready_ms, device_ms, up_ms, failures, repairs, repair_ms, rolled_at"
	SLADeviceColumns = "branch, region, date, device, kind, vendor, model, business_ms, up_ms, failures, repairs, repair_ms, blamed"
)

// SLADayArgs returns d's values in SLADayColumns order; durations are kept
// as whole milliseconds, times as unix nanoseconds.
func SLADayArgs(d SLADay) []any {
	var toReady *int64
	if d.ToReadySeconds != nil {
		ms := toMS(*d.ToReadySeconds)
		toReady = &ms
	}
	return []any{d.Branch, d.Region, d.Date, d.Verdict, d.Deadline.UnixNano(), toReady, toMS(d.DeviceSeconds), toMS(d.UpSeconds),
		d.Failures, d.Repairs, toMS(d.RepairSeconds), d.RolledAt.UnixNano()}
}

// SLADeviceArgs returns v's values in SLADeviceColumns order.
func SLADeviceArgs(v SLADevice) []any {
	blamed := 0
	if v.Blamed {
		blamed = 1
	}
	return []any{v.Branch, v.Region, v.Date, v.Device, v.Kind, v.Vendor, v.Model, toMS(v.BusinessSeconds), toMS(v.UpSeconds),
		v.Failures, v.Repairs, toMS(v.RepairSeconds), blamed}
}

func toMS(s float64) int64 {
	if s < 0 {
		return -int64(-s*1000 + 0.5)
	}
	return int64(s*1000 + 0.5)
}

// ScanSLADays reads rows of SLADayColumns.
func ScanSLADays(rows Rows) ([]SLADay, error) {
	out := []SLADay{}
	for rows.Next() {
		var d SLADay
		var deadline, devMS, upMS, repMS, rolled int64
		var toReady *int64
		if err := rows.Scan(&d.Branch, &d.Region, &d.Date, &d.Verdict, &deadline, &toReady, &devMS, &upMS, &d.Failures, &d.Repairs, &repMS, &rolled); err != nil {
			return nil, err
		}
		d.Deadline, d.RolledAt = time.Unix(0, deadline).UTC(), time.Unix(0, rolled).UTC()
		if toReady != nil {
			s := float64(*toReady) / 1000
			d.ToReadySeconds = &s
		}
		d.DeviceSeconds, d.UpSeconds, d.RepairSeconds = float64(devMS)/1000, float64(upMS)/1000, float64(repMS)/1000
		out = append(out, d)
	}
	return out, rows.Err()
}

// ScanSLADevices reads rows of SLADeviceColumns.
func ScanSLADevices(rows Rows) ([]SLADevice, error) {
	out := []SLADevice{}
	for rows.Next() {
		var v SLADevice
		var busMS, upMS, repMS, blamed int64
		if err := rows.Scan(&v.Branch, &v.Region, &v.Date, &v.Device, &v.Kind, &v.Vendor, &v.Model, &busMS, &upMS, &v.Failures, &v.Repairs, &repMS, &blamed); err != nil {
			return nil, err
		}
		v.BusinessSeconds, v.UpSeconds, v.RepairSeconds, v.Blamed = float64(busMS)/1000, float64(upMS)/1000, float64(repMS)/1000, blamed != 0
		out = append(out, v)
	}
	return out, rows.Err()
}

// MS is a duration in seconds as the whole milliseconds the stores keep.
func MS(seconds float64) int64 { return toMS(seconds) }
