package sqlite

import (
	"context"
	"reflect"
	"testing"

	"github.com/branchready/branchready/collector/store"
)

// TestMigration6FillsTheTotalsFromStoredRollups proves that a collector
// upgraded with a month of rollups reports the same figures from the new
// totals as from the rows.
func TestMigration6FillsTheTotalsFromStoredRollups(t *testing.T) {
	ctx := context.Background()
	db, _ := dbAtSchema(t, 5)
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	ttr := []float64{-600.5, -0.4, 0.5, 1.499, -1.5, 42}
	want := store.Totals{}
	for i := range ttr {
		r := store.SLARollup{Day: store.SLADay{Branch: "br-" + string(rune('a'+i)), Region: []string{"north", ""}[i%2], Date: "2026-03-0" + string(rune('1'+i%2)),
			Verdict: []string{"ready", "not_ready", "ready_degraded", "closed"}[i%4], ToReadySeconds: &ttr[i], DeviceSeconds: 100.25, UpSeconds: 90.125, Failures: i, Repairs: 1, RepairSeconds: 3.5}}
		if i == 1 {
			r.Day.ToReadySeconds, r.Day.Verdict = nil, "unknown"
		}
		r.Devices = []store.SLADevice{{Branch: r.Day.Branch, Date: r.Day.Date, Device: "atm-01", Kind: "atm", Vendor: "NCR", Model: "SelfServ", BusinessSeconds: 50, UpSeconds: 40.5, Blamed: i%2 == 1}}
		want.Add(r, 1)
		if _, err := db.ExecContext(ctx, "INSERT INTO sla_days ("+store.SLADayColumns+") VALUES ("+placeholders(12)+")", store.SLADayArgs(r.Day)...); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO sla_devices ("+store.SLADeviceColumns+") VALUES ("+placeholders(13)+")", store.SLADeviceArgs(r.Devices[0])...); err != nil {
			t.Fatal(err)
		}
	}
	if err := migrate(ctx, db, ms); err != nil {
		t.Fatalf("migration 6: %v", err)
	}
	rows, err := db.QueryContext(ctx, "SELECT "+store.SLATotalColumns+" FROM sla_totals")
	if err != nil {
		t.Fatal(err)
	}
	got, err := store.ScanSLATotals(rows)
	rows.Close()
	if err != nil {
		t.Fatal(err)
	}
	gotMap := map[store.TotalKey]store.SLATotal{}
	for _, v := range got {
		gotMap[store.TotalKey{Dim: v.Dim, Date: v.Date, Group: v.Group}] = v
	}
	wantMap := map[store.TotalKey]store.SLATotal{}
	for k, v := range want {
		if !v.Empty() {
			wantMap[k] = *v
		}
	}
	if !reflect.DeepEqual(gotMap, wantMap) {
		t.Fatalf("totals filled by the migration =\n%+v\nwant what PutSLARollups keeps\n%+v", gotMap, wantMap)
	}
}
