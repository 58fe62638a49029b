package readiness

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// windowsOnly is a store that keeps maintenance windows and nothing else.
type windowsOnly []store.MaintenanceRecord

func (w windowsOnly) PutMaintenance(context.Context, store.MaintenanceRecord) error { return nil }
func (w windowsOnly) MaintenanceWindows(context.Context) ([]store.MaintenanceRecord, error) {
	return w, nil
}
func (w windowsOnly) DeleteMaintenance(context.Context, string, string, time.Time) error { return nil }

// Tuesday 2026-11-24, London (the fixture), the ATM failing at 08:05.
func TestWindowsFromTheStoreJoinTheConfiguredOnes(t *testing.T) {
	base, cal := fixture(t)
	base.Calendar, base.Region = cal.Spec(), "south"
	failing := []result.Result{
		res("atm-01", "reachable", result.StatusFail, "08:05", "down for the update"),
		res("sign-01", "playlist", result.StatusOK, "08:05", ""),
		res("clock", "ntp", result.StatusOK, "08:05", ""),
	}
	morning := calendar.Window{Start: "2026-11-24 07:00", End: "2026-11-24 10:00"}
	atm := morning
	atm.Devices = []string{"atm-01"}
	rec := func(branch, region string, w calendar.Window) store.MaintenanceRecord {
		return store.MaintenanceRecord{ID: "mw-1", Branch: branch, Region: region, Window: w, Comment: "ATM swap", CreatedBy: "lin"}
	}
	deleted := rec("lon", "", atm)
	deleted.DeletedAt = at("09:00")
	tests := []struct {
		name  string
		w     store.MaintenanceRecord
		want  Verdict
		maint []string
	}{
		{name: "a window of the branch over the failing ATM makes it ready", w: rec("lon", "", atm), want: Ready, maint: []string{"atm-01"}},
		{name: "a window of the branch's region does the same", w: rec("", "south", atm), want: Ready, maint: []string{"atm-01"}},
		{name: "a window of another region leaves the ATM judged", w: rec("", "north", atm), want: NotReady},
		{name: "a window of another branch leaves the ATM judged", w: rec("man", "", atm), want: NotReady},
		{name: "a deleted window no longer counts", w: deleted, want: NotReady},
		{name: "a window naming no device puts the whole branch in maintenance", w: rec("lon", "", morning), want: Maintenance,
			maint: []string{"atm-01", "sign-01", "clock"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rules, err := LoadRules(context.Background(), windowsOnly{tc.w}, store.Branch{ID: "lon", Descriptor: base})
			if err != nil {
				t.Fatal(err)
			}
			d, cal, err := rules.For("2026-11-24")
			if err != nil {
				t.Fatal(err)
			}
			j, err := Judge(d, cal, "2026-11-24", failing, at("09:30"))
			if err != nil {
				t.Fatal(err)
			}
			if j.Verdict != tc.want || !slices.Equal(j.Maintenance, tc.maint) {
				t.Errorf("verdict %s, maintenance %v; want %s, %v (problems %+v)", j.Verdict, j.Maintenance, tc.want, tc.maint, j.Problems)
			}
			if len(base.Maintenance) != 0 {
				t.Errorf("the branch's own descriptor was changed: %+v", base.Maintenance)
			}
			if tc.want == Maintenance && Due(j.Verdict) {
				t.Error("a day wholly in maintenance counts towards on-time readiness")
			}
		})
	}
}
