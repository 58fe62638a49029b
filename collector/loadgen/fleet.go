package loadgen

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/result"
)

// candidateZones are the IANA zones the simulated bank's branches sit in.
// A run keeps those where the wave falls inside a same-day pre-opening
// window (see pickZones), which is at least minZones of them at any hour.
var candidateZones = []string{
	"Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver", "America/Chicago",
	"America/Mexico_City", "America/New_York", "America/Bogota", "America/Halifax", "America/Sao_Paulo",
	"America/St_Johns", "Atlantic/Azores", "Atlantic/Reykjavik", "Europe/London", "Europe/Lisbon",
	"Europe/Paris", "Europe/Berlin", "Europe/Warsaw", "Africa/Lagos", "Africa/Johannesburg",
	"Europe/Athens", "Europe/Helsinki", "Europe/Istanbul", "Europe/Moscow", "Asia/Riyadh",
	"Asia/Tehran", "Asia/Dubai", "Asia/Kabul", "Asia/Karachi", "Asia/Kolkata",
	"Asia/Kathmandu", "Asia/Dhaka", "Asia/Yangon", "Asia/Bangkok", "Asia/Jakarta",
	"Asia/Shanghai", "Asia/Singapore", "Asia/Manila", "Asia/Tokyo", "Asia/Seoul",
	"Australia/Adelaide", "Australia/Sydney", "Pacific/Noumea", "Pacific/Auckland", "Pacific/Chatham",
}

// minZones is the fewest zones a wave spreads its branches over.
const minZones = 20

// The simulated calendar: the sweep starts sweepStart before opening and
// the deadline is lead before it. Opening is chosen untilOpening after the
// run starts, so every round of a run falls inside the window, well before
// the deadline and its escalations (30 minutes before it by default).
const (
	sweepStart   = 90 * time.Minute
	lead         = 15 * time.Minute
	untilOpening = 85 * time.Minute
)

// check is one of a simulated branch's 20 checks.
type check struct {
	device, deviceKind string
	crit               result.Criticality
	name, kind         string
}

// branchChecks are what every simulated branch checks: 20 checks of seven
// kinds on 15 devices, as a mid-sized branch's profile gives them.
var branchChecks = []check{
	{"atm-01", "atm", result.Blocking, "reachable", "tcp"}, {"atm-01", "atm", result.Blocking, "xfs-status", "http"},
	{"atm-02", "atm", result.Blocking, "reachable", "tcp"}, {"atm-02", "atm", result.Blocking, "xfs-status", "http"},
	{"atm-03", "atm", result.Blocking, "reachable", "tcp"}, {"atm-03", "atm", result.Blocking, "cash-level", "snmp"},
	{"router", "router", result.Blocking, "wan", "icmp"},
	{"pc-01", "banking_pc", result.Blocking, "online-banking-login", "http"},
	{"pc-02", "banking_pc", result.Blocking, "online-banking-login", "http"},
	{"phone", "phone_line", result.Blocking, "sip-options", "sip"},
	{"kiosk-01", "kiosk", result.Degrading, "page", "http"}, {"kiosk-01", "kiosk", result.Degrading, "reachable", "icmp"},
	{"kiosk-02", "kiosk", result.Degrading, "page", "http"},
	{"counter-01", "note_counter", result.Degrading, "self-test", "serial"},
	{"printer-01", "printer", result.Degrading, "reachable", "tcp"},
	{"printer-02", "printer", result.Degrading, "paper", "snmp"},
	{"modem", "phone_line", result.Degrading, "dial-tone", "modem"},
	{"signage-01", "signage", result.Informational, "playlist", "http"},
	{"signage-02", "signage", result.Informational, "reachable", "icmp"},
	{"ups", "ups", result.Informational, "battery", "snmp"},
}

// checksPerBranch is how many results a branch sends in one sweep.
var checksPerBranch = len(branchChecks)

// simBranch is one simulated branch with its agent's descriptor.
type simBranch struct {
	id, name, region, zone string
	token                  string
	desc                   *result.Descriptor
	configHash             string
}

// fleet is the simulated bank.
type fleet struct {
	branches []*simBranch
	zones    []string
}

// newFleet builds n branches spread over the zones where now falls in a
// same-day pre-opening window opening untilOpening later.
func newFleet(n int, now time.Time) (*fleet, error) {
	zones, openings, err := pickZones(now)
	if err != nil {
		return nil, err
	}
	f := &fleet{zones: zones[:min(n, len(zones))]}
	for i := range n {
		z := i % len(zones)
		b := &simBranch{id: branchID(i), name: fmt.Sprintf("Branch %05d", i), region: fmt.Sprintf("region-%02d", i%10), zone: zones[z]}
		b.desc = descriptor(b, openings[z])
		raw, err := json.Marshal(b.desc)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(raw)
		b.configHash = hex.EncodeToString(sum[:8])
		f.branches = append(f.branches, b)
	}
	return f, nil
}

// pickZones keeps the candidate zones whose local opening, untilOpening
// from now, is on the same local day as the window's start and leaves an
// hour before midnight; it returns them with their opening hours.
func pickZones(now time.Time) ([]string, []string, error) {
	var zones, hours []string
	for _, name := range candidateZones {
		loc, err := time.LoadLocation(name)
		if err != nil {
			return nil, nil, fmt.Errorf("time zone %s: %w", name, err)
		}
		start, open := now.Add(untilOpening-sweepStart).In(loc), now.Add(untilOpening).In(loc)
		o := open.Truncate(time.Minute)
		// Skip a zone whose clocks change tonight: its opening's wall
		// time could be ambiguous or missing.
		wall := time.Date(o.Year(), o.Month(), o.Day(), o.Hour(), o.Minute(), 0, 0, loc)
		if start.YearDay() != open.YearDay() || open.Hour() >= 23 || !wall.Equal(o) || !sameOffset(start, o) {
			continue
		}
		closing := min(o.Hour()+9, 23)
		zones = append(zones, name)
		hours = append(hours, fmt.Sprintf("%02d:%02d-%02d:%02d", o.Hour(), o.Minute(), closing, o.Minute()))
	}
	if len(zones) < minZones {
		return nil, nil, fmt.Errorf("only %d time zones have a pre-opening window now (want %d)", len(zones), minZones)
	}
	return zones, hours, nil
}

func sameOffset(a, b time.Time) bool {
	_, x := a.Zone()
	_, y := b.Zone()
	return x == y
}

func descriptor(b *simBranch, hours string) *result.Descriptor {
	d := &result.Descriptor{Name: b.name, Region: b.region, Calendar: calendar.Spec{
		Timezone: b.zone, Lead: lead, SweepStart: sweepStart, RetryInterval: 5 * time.Minute, BusinessInterval: 15 * time.Minute,
		Hours: calendar.Week{Mon: hours, Tue: hours, Wed: hours, Thu: hours, Fri: hours, Sat: hours, Sun: hours},
	}}
	for _, c := range branchChecks {
		if n := len(d.Devices); n == 0 || d.Devices[n-1].ID != c.device {
			d.Devices = append(d.Devices, result.Device{ID: c.device, Kind: c.deviceKind, Criticality: c.crit, TransactionsPerDay: 300})
		}
		dev := &d.Devices[len(d.Devices)-1]
		dev.Checks = append(dev.Checks, result.CheckRef{Name: c.name, Kind: c.kind})
	}
	return d
}

// csv is the branches file a user imports: id,name,region,channel.
func (f *fleet) csv() []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"id", "name", "region", "channel"})
	for _, b := range f.branches {
		_ = w.Write([]string{b.id, b.name, b.region, "retail"})
	}
	w.Flush()
	return buf.Bytes()
}

// plan is what one branch reports in one round and what the collector
// must conclude from it.
type plan struct {
	// failing is the index in branchChecks of the check that fails this
	// round, -1 for none. It differs from the previous round's, so it is
	// newly failing and opens an incident.
	failing int
	verdict readiness.Verdict
}

// planOf decides branch i's round: about 5% of branches fail a blocking
// check (not ready), 10% a degrading one (ready, degraded), the rest pass.
// The failing check rotates with the round.
func planOf(i, round int) plan {
	h := fnv.New32a()
	fmt.Fprintf(h, "%d/%d", i, round)
	switch p := h.Sum32() % 100; {
	case p < 5:
		return plan{failing: (i + round) % 10, verdict: readiness.NotReady} // the 10 blocking checks
	case p < 15:
		return plan{failing: 10 + (i+round)%7, verdict: readiness.ReadyDegraded} // the 7 degrading ones
	}
	return plan{failing: -1, verdict: readiness.Ready}
}

// batch is branch b's sweep of round as its agent ships it, event times in
// the last seconds before sent. The first round carries the descriptor: an
// agent sends it with its first batch after a start and again only when
// its config hash changes (agent/shipper), so the later rounds, an
// agent's next mornings, carry the config hash alone.
func (b *simBranch) batch(p plan, round int, sent time.Time) result.Batch {
	start := sent.Add(-time.Duration(checksPerBranch) * 100 * time.Millisecond)
	sweep := result.NewSweepID("pre_opening", start)
	desc := b.desc
	if round > 0 {
		desc = nil
	}
	out := result.Batch{Branch: b.id, Descriptor: desc, Agent: result.Agent{Version: "loadgen", ConfigHash: b.configHash, SentAt: sent,
		Health: &result.Health{LastSweep: start}}}
	for j, c := range branchChecks {
		r := result.Result{ID: result.NewID(), Branch: b.id, Device: c.device, Check: c.name, Kind: c.kind,
			Status: result.StatusOK, StartedAt: start.Add(time.Duration(j) * 100 * time.Millisecond), DurationMS: 12,
			Reason: "answered in 12 ms", Observations: map[string]float64{"latency_seconds": 0.012},
			Sweep: sweep, AgentVersion: "loadgen"}
		if j == p.failing {
			r.Status, r.Reason = result.StatusFail, fmt.Sprintf("cannot connect: connection refused (wave round %d)", round)
		}
		out.Results = append(out.Results, r)
	}
	return out
}
