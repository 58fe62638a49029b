package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
)

// slaOf returns the store's SLA side, failing the test when it has none.
func slaOf(t *testing.T, open Opener) store.SLA {
	t.Helper()
	s, ok := opened(t, open).(store.SLA)
	if !ok {
		t.Fatal("the store does not implement store.SLA")
	}
	return s
}

func slaRollup(branch, date, verdict string, toReady *float64, devices ...string) store.SLARollup {
	r := store.SLARollup{Day: store.SLADay{Branch: branch, Region: "north", Date: date, Verdict: verdict,
		Deadline: base.UTC(), ToReadySeconds: toReady, DeviceSeconds: 28800 * float64(len(devices)), UpSeconds: 28000.5,
		Failures: 2, Repairs: 1, RepairSeconds: 1200.25, RolledAt: base.Add(time.Hour).UTC()}}
	for _, d := range devices {
		r.Devices = append(r.Devices, store.SLADevice{Branch: branch, Region: "north", Date: date, Device: d, Kind: "atm",
			Vendor: "NCR", Model: "SelfServ 84", BusinessSeconds: 28800, UpSeconds: 27000.125, Failures: 1, Repairs: 1, RepairSeconds: 600, Blamed: d == "atm-01"})
	}
	return r
}

func testSLARollups(t *testing.T, open Opener) {
	s := slaOf(t, open)
	ctx := context.Background()
	early, late := -300.0, 125.5
	first := []store.SLARollup{
		slaRollup("br-001", "2026-03-01", "ready", &early, "atm-01", "atm-02"),
		slaRollup("br-001", "2026-03-02", "not_ready", nil, "atm-01", "atm-02"),
		slaRollup("br-002", "2026-03-02", "ready", &late, "pc-01"),
		slaRollup("br-002", "2026-03-05", "ready", &late, "pc-01"),
	}
	if err := s.PutSLARollups(ctx, first); err != nil {
		t.Fatalf("PutSLARollups: %v", err)
	}
	days, err := s.SLADays(ctx, "2026-03-01", "2026-03-02")
	if err != nil {
		t.Fatalf("SLADays: %v", err)
	}
	want := []store.SLADay{first[0].Day, first[1].Day, first[2].Day}
	if !reflect.DeepEqual(days, want) {
		t.Fatalf("SLADays (both ends inclusive, ordered by date and branch) =\n%+v\nwant\n%+v", days, want)
	}
	// A re-rolled day replaces its rows: the verdict changes and a device left.
	again := slaRollup("br-001", "2026-03-02", "ready", &late, "atm-02")
	if err := s.PutSLARollups(ctx, []store.SLARollup{again}); err != nil {
		t.Fatalf("PutSLARollups again: %v", err)
	}
	devs, err := s.SLADevices(ctx, "2026-03-02", "2026-03-02")
	if err != nil {
		t.Fatalf("SLADevices: %v", err)
	}
	wantDevs := []store.SLADevice{again.Devices[0], first[2].Devices[0]}
	if !reflect.DeepEqual(devs, wantDevs) {
		t.Fatalf("SLADevices after a re-roll =\n%+v\nwant\n%+v", devs, wantDevs)
	}
	days, _ = s.SLADays(ctx, "2026-03-02", "2026-03-02")
	if len(days) != 2 || days[0].Verdict != "ready" || days[0].ToReadySeconds == nil || *days[0].ToReadySeconds != late {
		t.Fatalf("the re-rolled day reads back as %+v", days)
	}
	if none, err := s.SLADays(ctx, "2026-04-01", "2026-04-30"); err != nil || len(none) != 0 {
		t.Fatalf("SLADays of an empty month = %+v, %v; want none", none, err)
	}
}
