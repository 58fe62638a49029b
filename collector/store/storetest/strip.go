package storetest

import (
	"context"
	"reflect"
	"testing"

	"github.com/branchready/branchready/collector/store"
)

// BranchSLADays is the read of one branch's day rollups by date that the
// branch page's strip of its last days uses. Both stores implement it.
type BranchSLADays interface {
	BranchSLADays(ctx context.Context, branch string, dates []string) ([]store.SLADay, error)
}

func testBranchSLADays(t *testing.T, open Opener) {
	s := slaOf(t, open)
	r, ok := s.(BranchSLADays)
	if !ok {
		t.Fatal("the store does not implement BranchSLADays")
	}
	ctx := context.Background()
	early := -300.0
	ups := []store.SLARollup{
		slaRollup("br-001", "2026-03-01", "ready", &early, "atm-01"),
		slaRollup("br-001", "2026-03-03", "not_ready", nil, "atm-01"),
		slaRollup("br-001", "2026-03-09", "ready", &early, "atm-01"),
		slaRollup("br-002", "2026-03-02", "ready", &early, "pc-01"),
		slaRollup("br-002", "2026-03-03", "unknown", nil, "pc-01"),
	}
	if err := s.PutSLARollups(ctx, ups); err != nil {
		t.Fatalf("PutSLARollups: %v", err)
	}
	days, err := r.BranchSLADays(ctx, "br-001", []string{"2026-03-03", "2026-03-01", "2026-03-02", "2026-03-04"})
	if err != nil {
		t.Fatalf("BranchSLADays: %v", err)
	}
	if want := []store.SLADay{ups[0].Day, ups[1].Day}; !reflect.DeepEqual(days, want) {
		t.Errorf("BranchSLADays (the branch's rows of those dates, by date; none of another branch or date) =\n%+v\nwant\n%+v", days, want)
	}
	none, err := r.BranchSLADays(ctx, "br-001", nil)
	if err != nil || len(none) != 0 {
		t.Errorf("BranchSLADays of no dates = %v, %v; want none", none, err)
	}
}
