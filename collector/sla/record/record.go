package record

import (
	"sort"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// Format names the record's layout; a verifier refuses any other.
const Format = "branchready.pre-opening-record/v1"

// Record is one branch-day's pre-opening record.
type Record struct {
	Format     string    `json:"format"`
	Branch     string    `json:"branch"`
	BranchName string    `json:"branch_name"`
	Region     string    `json:"region"`
	Date       string    `json:"date"`
	Timezone   string    `json:"timezone"`
	Open       bool      `json:"open"`
	Holiday    string    `json:"holiday"`
	SweepFrom  time.Time `json:"sweep_from"`
	Deadline   time.Time `json:"deadline"`
	Opening    time.Time `json:"opening"`
	// Verdict is the latest verdict of the day; VerdictAtDeadline what was
	// known at the deadline (they differ when the day was revised).
	Verdict           string     `json:"verdict"`
	VerdictAtDeadline string     `json:"verdict_at_deadline"`
	ReadyAt           *time.Time `json:"ready_at"`
	Items             []Item     `json:"items"`
	Revisions         []Revision `json:"revisions"`
	GeneratedAt       time.Time  `json:"generated_at"`
	Signature         *Signature `json:"signature,omitempty"`
}

// Item is one checklist item as it stood at the deadline.
type Item struct {
	Device      string `json:"device"`
	DeviceKind  string `json:"device_kind"`
	Check       string `json:"check"`
	Kind        string `json:"kind"`
	Criticality string `json:"criticality"`
	Manual      bool   `json:"manual"`
	// Status is the latest result started by the deadline; "missing" when none.
	Status string `json:"status"`
	Reason string `json:"reason"`
	// At is when that result was taken (the agent's clock), nil when missing.
	At *time.Time `json:"at"`
	// ConfirmedBy and ConfirmedAt name the member of staff who confirmed a
	// manual item on the board, and when; Problem what they found wrong.
	ConfirmedBy string     `json:"confirmed_by"`
	ConfirmedAt *time.Time `json:"confirmed_at"`
	Problem     string     `json:"problem"`
}

// Revision is a change of the day's verdict after the deadline.
type Revision struct {
	At            time.Time `json:"at"`
	VerdictBefore string    `json:"verdict_before"`
	Verdict       string    `json:"verdict"`
	Reason        string    `json:"reason"`
}

// Signature is the collector's Ed25519 signature of the record.
type Signature struct {
	Algorithm string `json:"algorithm"`
	// KeyID is the first 16 hex digits of the SHA-256 of the public key.
	KeyID     string `json:"key_id"`
	PublicKey string `json:"public_key"` // base64, 32 bytes
	Value     string `json:"value"`      // base64, 64 bytes
}

// Input is what Build needs: the branch, its calendar day, the results of
// the pre-opening window, the day's confirmations, its judgement now and
// its stored revisions.
type Input struct {
	Branch        store.Branch
	Day           calendar.Day
	Location      *time.Location
	Judgement     readiness.Judgement
	Results       []result.Result
	Confirmations []result.Confirmation
	Revisions     []store.SLARevision
	Now           time.Time
}

// Build makes the unsigned record of a branch-day.
func Build(in Input) Record {
	d := in.Branch.Descriptor
	j := in.Judgement
	r := Record{Format: Format, Branch: in.Branch.ID, BranchName: d.Name, Region: d.Region, Date: in.Day.Date,
		Timezone: in.Location.String(), Open: in.Day.Open, Holiday: in.Day.Holiday, SweepFrom: utc(in.Day.SweepFrom),
		Deadline: utc(in.Day.Deadline), Opening: utc(in.Day.Opening), Verdict: string(j.Verdict), VerdictAtDeadline: string(j.Verdict),
		Items: []Item{}, Revisions: []Revision{}, GeneratedAt: utc(in.Now)}
	if j.ReadyAt != nil {
		t := utc(*j.ReadyAt)
		r.ReadyAt = &t
	}
	for i, v := range in.Revisions {
		if i == 0 {
			r.VerdictAtDeadline = v.VerdictBefore
		}
		r.Revisions = append(r.Revisions, Revision{At: utc(v.At), VerdictBefore: v.VerdictBefore, Verdict: v.Verdict, Reason: v.Reason})
	}
	latest := latestByItem(in.Results, in.Day)
	confirmed := map[[2]string]result.Confirmation{}
	for _, c := range in.Confirmations { // oldest first: the latest wins
		confirmed[[2]string{c.Device, c.Check}] = c
	}
	for _, dev := range d.Devices {
		for _, c := range dev.Checks {
			k := [2]string{dev.ID, c.Name}
			it := Item{Device: dev.ID, DeviceKind: dev.Kind, Check: c.Name, Kind: c.Kind, Criticality: string(dev.Criticality),
				Manual: c.Kind == "manual", Status: "missing", Reason: "no result by the deadline"}
			if x, ok := latest[k]; ok {
				at := utc(x.StartedAt)
				it.Status, it.Reason, it.At = string(x.Status), x.Reason, &at
			}
			if cf, ok := confirmed[k]; ok {
				at := utc(cf.At)
				it.Manual, it.ConfirmedBy, it.ConfirmedAt, it.Problem = true, cf.By, &at, cf.Problem
			}
			r.Items = append(r.Items, it)
		}
	}
	return r
}

// latestByItem returns each item's latest result started in the
// pre-opening window, by the deadline.
func latestByItem(rs []result.Result, day calendar.Day) map[[2]string]result.Result {
	sorted := append([]result.Result(nil), rs...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].StartedAt.Before(sorted[j].StartedAt) })
	out := map[[2]string]result.Result{}
	for _, x := range sorted {
		if x.StartedAt.Before(day.SweepFrom.Add(-readiness.Grace)) || x.StartedAt.After(day.Deadline) {
			continue
		}
		out[[2]string{x.Device, x.Check}] = x
	}
	return out
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}
