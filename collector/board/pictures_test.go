package board

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/branchdir"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// countingStore is fakeStore counting the reads a branch page makes of
// the branch, its results and its confirmations.
type countingStore struct {
	*fakeStore
	branchReads, resultReads, confirmReads atomic.Int32
}

func (c *countingStore) Confirmations(ctx context.Context, branch, date string) ([]result.Confirmation, error) {
	c.confirmReads.Add(1)
	return c.fakeStore.Confirmations(ctx, branch, date)
}

func (c *countingStore) Branch(ctx context.Context, id string) (store.Branch, error) {
	c.branchReads.Add(1)
	return c.fakeStore.Branch(ctx, id)
}

func (c *countingStore) Results(ctx context.Context, id string, from, to time.Time) ([]result.Result, error) {
	c.resultReads.Add(1)
	return c.fakeStore.Results(ctx, id, from, to)
}

// seenAgo is the wall-clock part of a branch page.
var seenAgo = regexp.MustCompile(`last seen [0-9hms.]+ ago`)

func TestTodaysBranchPageIsDrawnFromWhatTheEngineHoldsWithoutReadingTheStore(t *testing.T) {
	for _, hhmm := range []string{"08:30", "10:00"} {
		t.Run("at "+hhmm, func(t *testing.T) {
			now := london(hhmm)
			clock := func() time.Time { return now }
			fromStore, fake := board(t, now)
			fake.confirmed = []result.Confirmation{{Device: "lobby", Check: "feedback_book", Date: "2026-11-24", By: "amira", At: london("08:15")}}
			st := &countingStore{fakeStore: fake}
			e := &readiness.Engine{Store: st, Now: clock, Branches: branchdir.New(branchdir.Options{Source: st, Now: clock})}
			if _, err := e.All(context.Background()); err != nil { // judges today and holds its results
				t.Fatal(err)
			}
			mux := http.NewServeMux()
			Register(mux, e, st, clock, slog.New(slog.NewTextHandler(io.Discard, nil)),
				loggedInAs(auth.Person{Name: "amira", Role: auth.BranchStaff, Branches: []string{"lon"}}))
			get(t, mux, "/branches/lon") // the strip of the days before is read once, then kept
			st.branchReads.Store(0)
			st.resultReads.Store(0)
			got := get(t, mux, "/branches/lon")
			if n, m := st.branchReads.Load(), st.resultReads.Load(); n != 0 || m != 0 {
				t.Errorf("today's page read the branch %d times and its results %d times, want none", n, m)
			}
			if !strings.Contains(got, "<svg") || !strings.Contains(got, "amira confirmed feedback_book") {
				t.Errorf("the page has no timeline with the confirmation:\n%s", got)
			}
			// "last seen ... ago" is worded from the wall clock (the since
			// template function): two pages a second apart differ there.
			if want := get(t, fromStore, "/branches/lon"); seenAgo.ReplaceAllString(got, "") != seenAgo.ReplaceAllString(want, "") {
				t.Errorf("the page drawn from memory differs from the one read from the store:\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestATimelineMarksTheConfirmationsOfTheDaysManualChecksAndReadsNoneWithoutOne(t *testing.T) {
	at := london("08:30")
	tests := []struct {
		name      string
		manual    bool // the descriptor keeps its manual lobby check
		wantReads int32
		wantMark  bool
	}{
		{name: "a branch with a manual check has its confirmation marked", manual: true, wantReads: 1, wantMark: true},
		{name: "a branch whose manual check was removed today reads none and marks none", manual: false, wantReads: 0, wantMark: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := func() time.Time { return at }
			_, fake := board(t, at)
			fake.confirmed = []result.Confirmation{{Device: "lobby", Check: "feedback_book", Date: "2026-11-24", By: "amira", At: london("08:15")}}
			if !tc.manual {
				d := *fake.branch.Descriptor
				d.Devices = d.Devices[:1] // the ATM alone
				fake.branch.Descriptor = &d
			}
			st := &countingStore{fakeStore: fake}
			e := &readiness.Engine{Store: st, Now: clock, Branches: branchdir.New(branchdir.Options{Source: st, Now: clock})}
			mux := http.NewServeMux()
			Register(mux, e, st, clock, slog.New(slog.NewTextHandler(io.Discard, nil)),
				loggedInAs(auth.Person{Name: "amira", Role: auth.BranchStaff, Branches: []string{"lon"}}))
			got := get(t, mux, "/branches/lon")
			if n := st.confirmReads.Load(); n != tc.wantReads {
				t.Errorf("the page read the confirmations %d times, want %d", n, tc.wantReads)
			}
			if !strings.Contains(got, "<svg") {
				t.Fatalf("the page has no timeline:\n%s", got)
			}
			if marked := strings.Contains(got, "amira confirmed feedback_book"); marked != tc.wantMark {
				t.Errorf("confirmation marked %v, want %v:\n%s", marked, tc.wantMark, got)
			}
		})
	}
}
