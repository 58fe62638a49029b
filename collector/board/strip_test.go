package board

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// rolledStore is fakeStore with SLA day roll-ups, counting the reads of
// raw results from before the day shown.
type rolledStore struct {
	*fakeStore
	rolled    []store.SLADay
	before    time.Time
	pastReads int
}

func (r *rolledStore) Results(ctx context.Context, branch string, from, to time.Time) ([]result.Result, error) {
	if from.Before(r.before) {
		r.pastReads++
	}
	return r.fakeStore.Results(ctx, branch, from, to)
}

func (r *rolledStore) BranchSLADays(_ context.Context, branch string, dates []string) ([]store.SLADay, error) {
	var out []store.SLADay
	for _, d := range r.rolled {
		if d.Branch == branch && slices.Contains(dates, d.Date) {
			out = append(out, d)
		}
	}
	return out, nil
}

func TestABranchPageStripReadsTheRollUpsAndJudgesOnlyTheDaysWithout(t *testing.T) {
	now := london("09:30") // Tuesday 24 November
	_, fake := board(t, now)
	st := &rolledStore{fakeStore: fake, before: london("00:00")}
	day := func(date string) time.Time {
		loc, _ := time.LoadLocation("Europe/London")
		d, _ := time.ParseInLocation("2006-01-02 15:04", date+" 08:30", loc)
		return d
	}
	// Rolled up from 2 November to Friday 20; 19 November was degraded by
	// the roll-up, though its raw results (still kept) say failing.
	for d := day("2026-11-02"); d.Before(day("2026-11-21")); d = d.AddDate(0, 0, 1) {
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		v := "ready"
		if d.Day() == 19 {
			v = "ready_degraded"
		}
		st.rolled = append(st.rolled, store.SLADay{Branch: "lon", Date: d.Format(time.DateOnly), Verdict: v})
		st.results = append(st.results, result.Result{ID: "past" + d.Format(time.DateOnly), Branch: "lon", Device: "atm-01", Check: "reachable",
			Kind: "tcp", Status: result.StatusFail, StartedAt: d, Reason: "fail"})
	}
	// Monday 23, not rolled up yet: judged from its results (the manual
	// item confirmed, the ATM up).
	st.results = append(st.results, result.Result{ID: "mon", Branch: "lon", Device: "atm-01", Check: "reachable", Kind: "tcp",
		Status: result.StatusOK, StartedAt: day("2026-11-23"), Reason: "ok"})
	e := &readiness.Engine{Store: st, Now: func() time.Time { return now }}
	mux := http.NewServeMux()
	Register(mux, e, st, func() time.Time { return now }, slog.New(slog.DiscardHandler),
		loggedInAs(auth.Person{Name: "amira", Role: auth.Operations}))
	body := get(t, mux, "/branches/lon")
	if n := strings.Count(body, `class="day `); n != 30 {
		t.Errorf("%d day squares, want the last 30 days", n)
	}
	for _, want := range []string{
		`<a class="day ready_degraded" href="?date=2026-11-19"`, // the roll-up, not the raw results
		`<a class="day ready" href="?date=2026-11-20"`,
		`<a class="day closed" href="?date=2026-11-22"`,
		`<a class="day unknown" href="?date=2026-10-27"`, // before the first results, judged: nothing came
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the strip lacks %s", want)
		}
	}
	if !strings.Contains(body, `<a class="day not_ready" href="?date=2026-11-23"`) {
		t.Errorf("Monday 23 November, not rolled up, is not judged from its results (ATM up, feedback book never confirmed: not ready, not unknown)")
	}
	// One read for the days before the roll-ups begin, one for Monday.
	if st.pastReads != 2 {
		t.Errorf("the strip read raw results %d times, want 2 (one per run of days without a roll-up)", st.pastReads)
	}
}

// A branch first heard of today has no result before today's in the
// store, which the engine knows: its strip judges the past days without
// reading raw results for them, and draws them as a read would. A
// result before the time the engine gives has the days from it read.
func TestAStripOfABranchFirstHeardOfTodayReadsNoPastResults(t *testing.T) {
	now := london("09:30") // Tuesday 24 November
	_, fake := board(t, now)
	rules := func() (*readiness.Rules, error) { return readiness.NewRules(fake.branch.Descriptor, nil) }
	ctx := context.Background()
	st := &rolledStore{fakeStore: fake, before: london("00:00")}
	want, ok := lastDays(ctx, st, fake.branch, rules, "2026-11-24", 30, now, nil)
	if !ok || st.pastReads != 1 {
		t.Fatalf("without the engine's word: ok %v, %d reads of past results, want one", ok, st.pastReads)
	}
	st.pastReads = 0
	today := func(store.Branch) (time.Time, bool) { return london("08:05"), true }
	got, ok := lastDays(ctx, st, fake.branch, rules, "2026-11-24", 30, now, today)
	if !ok || st.pastReads != 0 {
		t.Fatalf("with no result before today's: ok %v, %d reads of past results, want none", ok, st.pastReads)
	}
	if !slices.Equal(got, want) {
		t.Errorf("the strip judged without reading is %v, read it is %v", got, want)
	}
	lastWeek := func(store.Branch) (time.Time, bool) { return london("08:05").AddDate(0, 0, -7), true }
	if _, ok := lastDays(ctx, st, fake.branch, rules, "2026-11-24", 30, now, lastWeek); !ok || st.pastReads != 1 {
		t.Fatalf("with a result from last week: ok %v, %d reads of past results, want one", ok, st.pastReads)
	}
	unknown := func(store.Branch) (time.Time, bool) { return time.Time{}, false }
	st.pastReads = 0
	if _, ok := lastDays(ctx, st, fake.branch, rules, "2026-11-24", 30, now, unknown); !ok || st.pastReads != 1 {
		t.Fatalf("when the engine cannot tell: ok %v, %d reads of past results, want one", ok, st.pastReads)
	}
}
