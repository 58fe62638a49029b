package readiness

import (
	"slices"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/result"
)

// Tuesday 2026-11-24, London, deadline 08:45 (the fixture). Windows are
// hand-placed around the deadline.
func TestDevicesInMaintenanceAreNotJudged(t *testing.T) {
	base, cal := fixture(t)
	failing := []result.Result{
		res("atm-01", "reachable", result.StatusFail, "08:05", "down for the update"),
		res("sign-01", "playlist", result.StatusOK, "08:05", ""),
		res("clock", "ntp", result.StatusOK, "08:05", ""),
	}
	tests := []struct {
		name    string
		windows []calendar.Window
		want    Verdict
		maint   []string
	}{
		{name: "no window: the failing ATM blocks", want: NotReady},
		{name: "a one-off window over the deadline: the ATM is not judged and the branch is ready",
			windows: []calendar.Window{{Devices: []string{"atm-01"}, Start: "2026-11-24 07:00", End: "2026-11-24 10:00"}},
			want:    Ready, maint: []string{"atm-01"}},
		{name: "a window that ended at 08:45 exactly no longer covers the deadline",
			windows: []calendar.Window{{Devices: []string{"atm-01"}, Start: "2026-11-24 07:00", End: "2026-11-24 08:45"}},
			want:    NotReady},
		{name: "every Tuesday 08:00 for 2h, weekly",
			windows: []calendar.Window{{Devices: []string{"atm-01"}, Weekday: "tue", At: "08:00", For: 2 * time.Hour}},
			want:    Ready, maint: []string{"atm-01"}},
		{name: "the fourth Tuesday of the month (24 November is one)",
			windows: []calendar.Window{{Devices: []string{"atm-01"}, Weekday: "tue", Nth: 4, At: "08:00", For: 2 * time.Hour}},
			want:    Ready, maint: []string{"atm-01"}},
		{name: "the first Tuesday of the month does not cover the 24th",
			windows: []calendar.Window{{Devices: []string{"atm-01"}, Weekday: "tue", Nth: 1, At: "08:00", For: 2 * time.Hour}},
			want:    NotReady},
		{name: "a window in another time zone: 03:00-04:00 New York is 08:00-09:00 London",
			windows: []calendar.Window{{Devices: []string{"atm-01"}, Timezone: "America/New_York", Start: "2026-11-24 03:00", End: "2026-11-24 04:00"}},
			want:    Ready, maint: []string{"atm-01"}},
		{name: "a window on another device leaves the ATM judged",
			windows: []calendar.Window{{Devices: []string{"sign-01"}, Start: "2026-11-24 07:00", End: "2026-11-24 10:00"}},
			want:    NotReady, maint: []string{"sign-01"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := *base
			d.Calendar, d.Maintenance = cal.Spec(), tc.windows
			j, err := Judge(&d, cal, "2026-11-24", failing, at("09:30"))
			if err != nil {
				t.Fatal(err)
			}
			if j.Verdict != tc.want || !slices.Equal(j.Maintenance, tc.maint) {
				t.Errorf("verdict %s, maintenance %v; want %s, %v (problems %+v)", j.Verdict, j.Maintenance, tc.want, tc.maint, j.Problems)
			}
		})
	}
}

func TestAGroupMemberInMaintenanceLowersWhatTheGroupCanNeed(t *testing.T) {
	_, cal := fixture(t)
	d := groupFixture(t)
	d.Calendar = cal.Spec()
	// atm-02 is in maintenance, atm-01 passes: 1 of 1 judged member passes.
	d.Maintenance = []calendar.Window{{Devices: []string{"atm-02"}, Start: "2026-11-24 07:00", End: "2026-11-24 10:00"}}
	var rs []result.Result
	for _, dev := range []string{"atm-01", "pc-1", "pc-2", "pc-3", "counter"} {
		rs = append(rs, res(dev, "up", result.StatusOK, "08:05", ""))
	}
	rs = append(rs, res("atm-02", "up", result.StatusFail, "08:05", "powered off"))
	j, err := Judge(d, cal, "2026-11-24", rs, at("09:30"))
	if err != nil {
		t.Fatal(err)
	}
	if j.Verdict != Ready {
		t.Errorf("verdict %s, want ready (problems %+v)", j.Verdict, j.Problems)
	}
	// Both ATMs in maintenance: the group needs nobody.
	d.Maintenance[0].Devices = []string{"atm-01", "atm-02"}
	rs[0].Status = result.StatusFail
	if j, _ = Judge(d, cal, "2026-11-24", rs, at("09:30")); j.Verdict != Ready {
		t.Errorf("with both ATMs in maintenance: verdict %s, want ready", j.Verdict)
	}
}
