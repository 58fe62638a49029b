package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// ChangeLister is a store that lists the branches changed since a time
// (collector/branchdir reads other collectors' changes with it).
type ChangeLister interface {
	BranchesChangedSince(ctx context.Context, since time.Time) ([]store.ContactRow, error)
}

func testBranchesChangedSince(t *testing.T, open Opener) {
	s := opened(t, open)
	cl, ok := s.(ChangeLister)
	if !ok {
		t.Fatalf("%T has no BranchesChangedSince", s)
	}
	withHealth := contact(2*time.Second, "1.2.3")
	withHealth.Health = &result.Health{SpoolDepth: 3, LastSweep: base.UTC()}
	put(t, s, "par", descriptor("par"), contact(0, "1.2.3"))
	put(t, s, "lon", descriptor("lon"), withHealth)
	put(t, s, "ber", descriptor("ber"), contact(time.Second, "1.2.3"))
	put(t, s, "ams", nil, contact(3*time.Second, "1.2.3"))
	// A later contact without a heartbeat keeps the stored one.
	put(t, s, "lon", nil, contact(4*time.Second, "1.2.4"))

	got, err := cl.BranchesChangedSince(context.Background(), base.Add(time.Second))
	if err != nil {
		t.Fatalf("BranchesChangedSince: %v", err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	if want := []string{"ams", "ber", "lon"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("changed since base+1s: %v, want %v (at or after, in id order)", ids, want)
	}
	for _, r := range got {
		if r.Contact.Health != nil {
			t.Errorf("%s: the heartbeat comes decoded, want it left as JSON", r.ID)
		}
		b, err := r.Branch()
		if err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
		want := branch(t, s, r.ID)
		want.Descriptor = nil
		sameContact(t, b.Contact, want.Contact)
		if !reflect.DeepEqual(b, want) {
			t.Errorf("%s: changed row decodes to %+v, want the branch without descriptor %+v", r.ID, b, want)
		}
	}
	none, err := cl.BranchesChangedSince(context.Background(), base.Add(time.Hour))
	if err != nil || len(none) != 0 {
		t.Errorf("changed since an hour later = %v, %v; want nothing", none, err)
	}
}
