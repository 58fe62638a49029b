package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// testDescriptorHistory: a descriptor sent again adds no version, a changed
// one adds a version at the contact that carried it, and the versions of
// one branch never mix with another's.
func testDescriptorHistory(t *testing.T, open Opener) {
	s := opened(t, open)
	h, ok := s.(store.History)
	if !ok {
		t.Fatal("the store does not keep descriptor history (store.History)")
	}
	v1 := descriptor("Rue de Rivoli")
	v2 := descriptor("Rue de Rivoli")
	v2.Devices = append(v2.Devices, result.Device{ID: "atm-02", Kind: "atm", Criticality: result.Blocking,
		Checks: []result.CheckRef{{Name: "cash-dispenser", Kind: "tcp"}}})
	put(t, s, "par", v1, contact(0, "1.0.0"))
	put(t, s, "par", v1, contact(time.Minute, "1.0.0"))
	put(t, s, "par", nil, contact(2*time.Minute, "1.0.0"))
	put(t, s, "par", v2, contact(3*time.Minute, "1.0.0"))
	put(t, s, "par", v2, contact(4*time.Minute, "1.0.0"))
	put(t, s, "lyo", descriptor("Lyon"), contact(5*time.Minute, "1.0.0"))

	got, err := h.DescriptorVersions(context.Background(), "par")
	if err != nil {
		t.Fatal(err)
	}
	want := []store.DescriptorVersion{
		{EffectiveAt: base.Add(0).UTC(), Descriptor: v1},
		{EffectiveAt: base.Add(3 * time.Minute).UTC(), Descriptor: v2},
	}
	if len(got) != len(want) {
		t.Fatalf("%d versions, want 2 (the first and the one adding atm-02): %+v", len(got), got)
	}
	for i := range want {
		if !got[i].EffectiveAt.Equal(want[i].EffectiveAt) || got[i].EffectiveAt.Location() != time.UTC {
			t.Errorf("version %d took effect at %v, want %v in UTC", i, got[i].EffectiveAt, want[i].EffectiveAt)
		}
		if !reflect.DeepEqual(got[i].Descriptor, want[i].Descriptor) {
			t.Errorf("version %d descriptor\n got %+v\nwant %+v", i, got[i].Descriptor, want[i].Descriptor)
		}
	}
	none, err := h.DescriptorVersions(context.Background(), "unknown")
	if err != nil || len(none) != 0 {
		t.Errorf("an unknown branch has versions %+v (err %v), want none", none, err)
	}
}
