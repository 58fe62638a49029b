package alerts_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/result"
)

// testConfig routes lon-01 to its own channel, the south region to
// #south and operations to #ops; other branches use #branches.
func testConfig() alerts.Config {
	return alerts.Config{
		BaseURL: "https://board.example/",
		Routing: alerts.Routing{
			Default:    []alerts.Target{{Notifier: "slack", Target: "#branches"}},
			Branches:   map[string][]alerts.Target{"lon-01": {{Notifier: "slack", Target: "#lon-01"}}},
			Regions:    map[string][]alerts.Target{"south": {{Notifier: "slack", Target: "#south"}}},
			Operations: []alerts.Target{{Notifier: "slack", Target: "#ops"}, {Notifier: "webhook:tickets"}},
		},
		Remedies: map[string]string{"icmp": "Check the router's power and cables."},
	}
}

func newPolicy(t *testing.T, cfg alerts.Config) *alerts.Policy {
	t.Helper()
	p, err := alerts.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// branch is lon-01 (Europe/London, weekdays 09:00-17:00, deadline 08:45):
// a router, an ATM behind it, a passbook printer and a manual item.
func branch(t *testing.T, tz, hours string) *alerts.Branch {
	t.Helper()
	spec := calendar.Spec{Timezone: tz, Hours: calendar.Week{Mon: hours, Tue: hours, Wed: hours, Thu: hours, Fri: hours}}
	if tz != "Europe/London" {
		spec.Hours.Sat, spec.Hours.Sun = hours, hours
	}
	cal, probs := calendar.Compile(spec)
	if probs != nil {
		t.Fatal(probs)
	}
	return &alerts.Branch{
		ID: "lon-01", Calendar: cal,
		Descriptor: &result.Descriptor{Name: "London Bridge", Region: "south", Calendar: spec, Devices: []result.Device{
			{ID: "router", Kind: "network", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "ping", Kind: "icmp"}}},
			{ID: "atm-02", Kind: "atm", Criticality: result.Blocking, TransactionsPerDay: 305, DependsOn: "router",
				Checks: []result.CheckRef{{Name: "service", Kind: "tcp", Remedy: "Power-cycle the ATM from the rear switch."}}},
			{ID: "printer", Kind: "printer", Criticality: result.Degrading, Checks: []result.CheckRef{{Name: "status", Kind: "snmp"}}},
			{ID: "book", Kind: "other", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "feedback_book", Kind: "manual"}}},
		}},
	}
}

func london(t *testing.T) *alerts.Branch { return branch(t, "Europe/London", "09:00-17:00") }

// local parses "2006-01-02 15:04" in a zone.
func local(t *testing.T, tz, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func fail(device, check, reason string, at time.Time) alerts.Observation {
	return alerts.Observation{Device: device, Check: check, Status: result.StatusFail, Reason: reason, At: at, Unreachable: alerts.ConnectFailure(reason)}
}

func pass(device, check string, at time.Time) alerts.Observation {
	return alerts.Observation{Device: device, Check: check, Status: result.StatusOK, Reason: "fine", At: at}
}

// says summarises messages as "op target event" lines.
func says(ms []notify.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%s %s %s", m.Op, m.Target, m.Event))
	}
	return out
}

func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\ngot  %q\nwant %q", what, got, want)
	}
}

// only returns the one open incident of a device, failing otherwise.
func only(t *testing.T, b *alerts.Branch, device string) *alerts.Incident {
	t.Helper()
	var found *alerts.Incident
	for _, inc := range b.Incidents {
		if inc.Key.Device == device {
			if found != nil {
				t.Fatalf("two incidents for %s", device)
			}
			found = inc
		}
	}
	if found == nil {
		t.Fatalf("no open incident for %s", device)
	}
	return found
}
