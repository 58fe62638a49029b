package readiness

import (
	"context"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// A branch first heard of since the start has no result in the store but
// those handed in here: the engine tells a page drawing its past days the
// earliest of them (a spooled result from last week included), and stops
// telling once it cannot know (the branch read again from the store).
func TestTheEngineKnowsABranchFirstHeardOfHasNoResultBeforeThoseHandedIn(t *testing.T) {
	ctx := context.Background()
	now := at("08:10")
	e, _, hand := coldStart(t, &now, "lon", "man")
	if _, ok := e.NoResultsBefore(store.Branch{ID: "lon"}); ok {
		t.Fatal("before the first refresh the engine claims to know lon's results")
	}
	if err := e.shared(ctx); err != nil {
		t.Fatal(err)
	}
	branch := func(id string) store.Branch {
		b, err := e.Branch(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if got, ok := e.NoResultsBefore(branch("lon")); !ok || got.Before(at("17:00").AddDate(1, 0, 0)) {
		t.Fatalf("lon, never heard from: no result before %s (%v), want known and far ahead", got, ok)
	}
	now = now.Add(time.Minute)
	hand("lon", res("atm-01", "reachable", result.StatusOK, "08:05", "ok"))
	if got, ok := e.NoResultsBefore(branch("lon")); !ok || !got.Equal(at("08:05")) {
		t.Fatalf("after a batch at 08:05: no result before %s (%v), want 08:05", got, ok)
	}
	if err := e.shared(ctx); err != nil { // judged: held narrowed to today's window
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	spooled := res("sign-01", "playlist", result.StatusOK, "08:00", "ok")
	spooled.StartedAt = spooled.StartedAt.AddDate(0, 0, -6)
	hand("lon", spooled)
	if got, ok := e.NoResultsBefore(branch("lon")); !ok || !got.Equal(spooled.StartedAt) {
		t.Fatalf("after a spooled result of last week: no result before %s (%v), want %s", got, ok, spooled.StartedAt)
	}
	e.Invalidate("lon")
	e.hmu.Lock()
	e.unload(e.held["lon"]) // as a budget, a reload or another collector's contact lets it go
	e.hmu.Unlock()
	if _, ok := e.NoResultsBefore(branch("lon")); ok {
		t.Fatal("once lon is let go the engine still claims to know its results")
	}
	if err := e.shared(ctx); err != nil { // read again from the store
		t.Fatal(err)
	}
	if _, ok := e.NoResultsBefore(branch("lon")); ok {
		t.Fatal("lon read from the store: the engine claims to know every result it has")
	}
	if _, ok := e.NoResultsBefore(store.Branch{ID: "man", Contact: store.Contact{At: at("09:00")}}); ok {
		t.Fatal("man has a contact newer than any handed in here, yet the engine claims to know its results")
	}
}

// A branch first heard of is held whole until judged; judging keeps what
// its day needs. A result of last week it handed in first (a spooled one)
// is let go then, and one of today's window is kept without a copy.
func TestJudgingABranchHeldWholeLetsGoOfResultsOutsideItsDay(t *testing.T) {
	ctx := context.Background()
	now := at("08:10")
	e, _, hand := coldStart(t, &now, "lon")
	if err := e.shared(ctx); err != nil {
		t.Fatal(err)
	}
	spooled := res("sign-01", "playlist", result.StatusOK, "08:00", "ok")
	spooled.StartedAt = spooled.StartedAt.AddDate(0, 0, -6)
	now = now.Add(time.Minute)
	hand("lon", spooled, res("atm-01", "reachable", result.StatusOK, "08:05", "ok"))
	if n := e.Held(); n != 2 {
		t.Fatalf("before lon is judged: %d results held, want both handed in", n)
	}
	if err := e.shared(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.Held(); n != 1 {
		t.Fatalf("after lon is judged: %d results held, want today's one", n)
	}
	now = now.Add(time.Minute)
	hand("lon", res("atm-01", "reachable", result.StatusFail, "08:11", "refused"))
	if err := e.shared(ctx); err != nil {
		t.Fatal(err)
	}
	en, ok := e.Published().entry("lon")
	if n := e.Held(); n != 2 || !ok || !en.status.Contact.At.Equal(now) {
		t.Fatalf("after today's next batch: %d held, lon judged %v; want 2 held and lon judged at its contact", n, ok)
	}
}
