package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
)

func testMaintenance(t *testing.T, open Opener) {
	s, ok := opened(t, open).(store.Maintenance)
	if !ok {
		t.Fatal("the store does not implement store.Maintenance")
	}
	ctx := context.Background()
	oneOff := store.MaintenanceRecord{ID: "mw-1", Branch: "br-001", Comment: "ATM swap", CreatedBy: "lin", CreatedAt: base.UTC(),
		Window: calendar.Window{Name: "ATM swap", Devices: []string{"atm-01"}, Timezone: "Europe/Berlin", Start: "2026-03-02 06:00", End: "2026-03-02 12:00"}}
	weekly := store.MaintenanceRecord{ID: "mw-2", Region: "south", Comment: "network works", CreatedBy: "ops", CreatedAt: base.Add(time.Minute).UTC(),
		Window: calendar.Window{Weekday: "sun", Nth: 1, At: "02:00", For: 4 * time.Hour}}
	for _, m := range []store.MaintenanceRecord{weekly, oneOff} {
		if err := s.PutMaintenance(ctx, m); err != nil {
			t.Fatalf("PutMaintenance %s: %v", m.ID, err)
		}
	}
	if err := s.PutMaintenance(ctx, oneOff); err == nil {
		t.Error("a second window with the same id was stored")
	}
	got, err := s.MaintenanceWindows(ctx)
	if err != nil {
		t.Fatalf("MaintenanceWindows: %v", err)
	}
	if want := []store.MaintenanceRecord{oneOff, weekly}; !reflect.DeepEqual(got, want) {
		t.Fatalf("MaintenanceWindows =\n%+v\nwant (oldest first)\n%+v", got, want)
	}
	at := base.Add(time.Hour).UTC()
	if err := s.DeleteMaintenance(ctx, "mw-1", "kim", at); err != nil {
		t.Fatalf("DeleteMaintenance: %v", err)
	}
	if err := s.DeleteMaintenance(ctx, "mw-1", "kim", at); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting twice: err = %v, want ErrNotFound", err)
	}
	if err := s.DeleteMaintenance(ctx, "mw-9", "kim", at); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting an unknown window: err = %v, want ErrNotFound", err)
	}
	got, _ = s.MaintenanceWindows(ctx)
	if len(got) != 2 || got[0].DeletedBy != "kim" || !got[0].DeletedAt.Equal(at) || !got[1].DeletedAt.IsZero() {
		t.Fatalf("after deleting mw-1: %+v; want it kept, marked deleted by kim at %v", got, at)
	}
}
