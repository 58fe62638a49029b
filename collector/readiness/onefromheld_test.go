package readiness

import (
	"context"
	"testing"

	"github.com/branchready/branchready/result"
)

// A branch asked for between its batch and the refresh that judges it is
// judged for the request from the results the engine holds: the batch
// counts, and the store is not read. Another day is read from the store.
func TestABranchAskedForBeforeItsRefreshIsJudgedFromWhatIsHeld(t *testing.T) {
	ctx := context.Background()
	now := at("08:10")
	e, l, hand := coldStart(t, &now, "lon")
	if err := e.shared(ctx); err != nil {
		t.Fatal(err)
	}
	now = at("08:20")
	hand("lon", res("atm-01", "reachable", result.StatusOK, "08:15", "ok"), res("sign-01", "playlist", result.StatusFail, "08:15", "blank"))
	reads := l.readCount()
	s, err := e.One(ctx, "lon", "")
	if err != nil {
		t.Fatal(err)
	}
	if s.Judgement.Verdict != ReadyDegraded || len(s.Judgement.Problems) != 1 || s.Judgement.Problems[0].Reason != "blank" {
		t.Fatalf("lon judged %s with problems %+v, want ready_degraded for the blank sign", s.Judgement.Verdict, s.Judgement.Problems)
	}
	if len(s.Devices) == 0 {
		t.Error("the status judged for the request lacks the branch's devices")
	}
	if n := l.readCount() - reads; n != 0 {
		t.Errorf("judging lon for the request read the store %d times, want none", n)
	}
	if _, err := e.One(ctx, "lon", "2026-11-23"); err != nil {
		t.Fatal(err)
	}
	if n := l.readCount() - reads; n != 1 {
		t.Errorf("judging yesterday read the store %d times, want once", n)
	}
}
