package storetest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// descriptor returns a descriptor naming the branch name.
func descriptor(name string) *result.Descriptor {
	return &result.Descriptor{
		Name:   name,
		Region: "north",
		Calendar: calendar.Spec{
			Timezone: "Europe/Paris",
			Hours:    calendar.Week{Mon: "09:00-17:00", Sat: "closed"},
			Lead:     15 * time.Minute,
		},
		Devices: []result.Device{{
			ID: "atm-01", Kind: "atm", Criticality: result.Blocking, Vendor: "NCR",
			Checks: []result.CheckRef{{Name: "cash-dispenser", Kind: "tcp"}},
		}},
	}
}

// contact returns a contact at base+offset with nanoseconds and skew set.
func contact(offset time.Duration, version string) store.Contact {
	return store.Contact{At: base.Add(offset), AgentVersion: version, ConfigHash: "sha256:ab12", ClockSkew: -1500 * time.Millisecond}
}

// branch reads id back and fails the test on an error.
func branch(t *testing.T, s store.Store, id string) store.Branch {
	t.Helper()
	b, err := s.Branch(context.Background(), id)
	if err != nil {
		t.Fatalf("Branch(%q): %v", id, err)
	}
	return b
}

// put records a branch and fails the test on an error.
func put(t *testing.T, s store.Store, id string, d *result.Descriptor, c store.Contact) {
	t.Helper()
	if err := s.PutBranch(context.Background(), id, d, c); err != nil {
		t.Fatalf("PutBranch(%q): %v", id, err)
	}
}

// sameContact compares contacts, requiring the time in UTC.
func sameContact(t *testing.T, got, want store.Contact) {
	t.Helper()
	if got.At.Location() != time.UTC {
		t.Errorf("contact time in %v, want UTC", got.At.Location())
	}
	want.At = want.At.UTC()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("contact = %+v, want %+v", got, want)
	}
}

func testPutBranch(t *testing.T, open Opener) {
	s := opened(t, open)
	d, c := descriptor("Rue de la Paix"), contact(0, "1.2.3")
	put(t, s, "br-001", d, c)
	b := branch(t, s, "br-001")
	if b.ID != "br-001" || !reflect.DeepEqual(b.Descriptor, d) {
		t.Errorf("branch = %q with %+v, want br-001 with %+v", b.ID, b.Descriptor, d)
	}
	sameContact(t, b.Contact, c)
}

func testPutBranchKeepsDescriptor(t *testing.T, open Opener) {
	s := opened(t, open)
	put(t, s, "br-001", descriptor("old name"), contact(0, "1.0.0"))
	put(t, s, "br-001", descriptor("new name"), contact(time.Minute, "1.1.0"))
	later := contact(2*time.Minute, "1.2.0")
	put(t, s, "br-001", nil, later)
	b := branch(t, s, "br-001")
	if b.Descriptor == nil || b.Descriptor.Name != "new name" {
		t.Errorf("descriptor = %+v, want the last one sent (new name)", b.Descriptor)
	}
	sameContact(t, b.Contact, later)
}

func testBranchWithoutDescriptor(t *testing.T, open Opener) {
	s := opened(t, open)
	c := contact(0, "1.2.3")
	put(t, s, "br-001", nil, c)
	b := branch(t, s, "br-001")
	if b.Descriptor != nil {
		t.Errorf("descriptor = %+v, want none", b.Descriptor)
	}
	sameContact(t, b.Contact, c)
}

func testBranchesOrder(t *testing.T, open Opener) {
	s := opened(t, open)
	none, err := s.Branches(context.Background())
	if err != nil || len(none) != 0 {
		t.Fatalf("Branches of an empty store = %v, %v; want none", none, err)
	}
	for _, id := range []string{"br-010", "br-002", "br-001", "br-002"} {
		put(t, s, id, descriptor(id), contact(0, "1.2.3"))
	}
	bs, err := s.Branches(context.Background())
	if err != nil {
		t.Fatalf("Branches: %v", err)
	}
	var got []string
	for _, b := range bs {
		got = append(got, b.ID)
		if b.Descriptor == nil || b.Descriptor.Name != b.ID {
			t.Errorf("branch %s: descriptor %+v, want its own", b.ID, b.Descriptor)
		}
	}
	if want := []string{"br-001", "br-002", "br-010"}; !slices.Equal(got, want) {
		t.Fatalf("Branches = %v, want %v", got, want)
	}
}

func testBranchNotFound(t *testing.T, open Opener) {
	s := opened(t, open)
	put(t, s, "br-001", nil, contact(0, "1.2.3"))
	_, err := s.Branch(context.Background(), "br-999")
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Branch of an unknown id: err = %v, want store.ErrNotFound", err)
	}
}

// testHeartbeat: the agent's health round-trips, and a contact without one
// keeps the last.
func testHeartbeat(t *testing.T, open Opener) {
	s := open(t)
	h := &result.Health{SpoolDepth: 1234, Dropped: 7, LastSweep: base.Add(-time.Minute).UTC(), LastSweepReady: true}
	c := contact(0, "1.0.0")
	c.Health = h
	put(t, s, "lon", nil, c)
	put(t, s, "lon", nil, contact(time.Second, "1.0.0"))
	got := branch(t, s, "lon").Contact.Health
	if got == nil || !reflect.DeepEqual(*got, *h) {
		t.Fatalf("heartbeat %+v, want %+v", got, h)
	}
}

// testConfirmations: staff confirmations are kept per branch and date, in
// the order they were made.
func testConfirmations(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	c := func(by string, min int, date string) result.Confirmation {
		return result.Confirmation{Device: "feedback-book", Check: "in-place", Date: date, By: by, At: base.Add(time.Duration(min) * time.Minute).UTC()}
	}
	for _, x := range []struct {
		branch string
		c      result.Confirmation
	}{{"lon", c("Sam", 2, "2026-11-24")}, {"lon", c("Priya", 1, "2026-11-24")}, {"lon", c("Sam", 0, "2026-11-23")}, {"par", c("Luc", 0, "2026-11-24")}} {
		if err := s.PutConfirmation(ctx, x.branch, x.c); err != nil {
			t.Fatalf("PutConfirmation: %v", err)
		}
	}
	got, err := s.Confirmations(ctx, "lon", "2026-11-24")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].By != "Priya" || got[1].By != "Sam" || !got[1].At.Equal(base.Add(2*time.Minute)) {
		t.Fatalf("confirmations %+v, want Priya then Sam of 2026-11-24", got)
	}
	none, err := s.Confirmations(ctx, "lon", "2026-11-25")
	if err != nil || none == nil || len(none) != 0 {
		t.Fatalf("a day without confirmations: %v, %v; want an empty list", none, err)
	}
}
