package postgres

import (
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
	"github.com/branchready/branchready/result"
)

func TestBranchesOfReadsTheBranchesThatExist(t *testing.T) {
	srv := pgtest.Start(t)
	s := open(t, srv.NewDatabase(t))
	defer s.Close()
	ctx := t.Context()
	at := time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC)
	for _, id := range []string{"lon", "par"} {
		d := &result.Descriptor{Name: "Branch " + id, Calendar: calendar.Spec{Timezone: "UTC"}}
		if err := s.PutBranch(ctx, id, d, store.Contact{At: at, ConfigHash: "h-" + id}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.BranchesOf(ctx, []string{"lon", "par", "gone"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d branches, want lon and par", len(got))
	}
	for _, id := range []string{"lon", "par"} {
		b := got[id]
		want, err := s.Branch(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if b.ID != id || b.Descriptor == nil || b.Descriptor.Name != want.Descriptor.Name || !b.Contact.At.Equal(want.Contact.At) ||
			b.Contact.ConfigHash != want.Contact.ConfigHash {
			t.Errorf("BranchesOf[%s] = %+v, want as Branch reads it: %+v", id, b, want)
		}
	}
	if none, err := s.BranchesOf(ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("BranchesOf(nil) = %v, %v; want nothing", none, err)
	}
}
