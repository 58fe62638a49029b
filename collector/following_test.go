package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/alerting"
	"github.com/branchready/branchready/collector/leader"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

// countingStore counts the bulk reads the leader makes of the feed.
type countingStore struct {
	*sqlite.Store
	bulk atomic.Int32
}

func (c *countingStore) ResultsOf(ctx context.Context, branches []string, from, to time.Time) (map[string][]result.Result, error) {
	c.bulk.Add(1)
	return c.Store.ResultsOf(ctx, branches, from, to)
}

// feedServer is a server over a SQLite store holding, for each of n
// branches, one result a minute over the hour before t0.
func feedServer(t *testing.T, n int, t0 time.Time) (*Server, *countingStore) {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "c.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var rs []result.Result
	for b := range n {
		for m := range 60 {
			rs = append(rs, result.Result{ID: fmt.Sprintf("r%d-%d", b, m), Branch: fmt.Sprintf("b%d", b), Device: "atm", Check: "tcp",
				Kind: "tcp", Status: result.StatusFail, StartedAt: t0.Add(-time.Duration(60-m) * time.Minute)})
		}
	}
	if _, _, err := st.WriteResults(t.Context(), rs, t0); err != nil {
		t.Fatal(err)
	}
	cs := &countingStore{Store: st}
	return &Server{store: cs, log: log}, cs
}

// ids lists the ids of what readAnnounced handed over, by branch.
func ids(hs []alerting.Handed) map[string][]string {
	out := map[string][]string{}
	for _, h := range hs {
		for _, r := range h.Results {
			out[h.Branch] = append(out[h.Branch], r.ID)
		}
		slices.Sort(out[h.Branch])
	}
	return out
}

func TestTheLeaderReadsAnnouncedResultsInBatches(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(-time.Duration(60-m) * time.Minute) }
	for _, c := range []struct {
		name    string
		batch   []leader.Stored
		want    map[string][]string
		queries int32
	}{
		{"announcements of many branches are read with one query",
			[]leader.Stored{{Branch: "b0", From: at(50), To: at(51)}, {Branch: "b1", From: at(50), To: at(50)}, {Branch: "b2", From: at(51), To: at(52)}},
			map[string][]string{"b0": {"r0-50", "r0-51"}, "b1": {"r1-50"}, "b2": {"r2-51", "r2-52"}}, 1},
		{"results of a branch outside its own announced ranges are left out (this collector stored them)",
			[]leader.Stored{{Branch: "b0", From: at(50), To: at(50)}, {Branch: "b1", From: at(55), To: at(55)}, {Branch: "b0", From: at(58), To: at(58)}},
			map[string][]string{"b0": {"r0-50", "r0-58"}, "b1": {"r1-55"}}, 1},
		{"overlapping announcements of a branch hand each result once",
			[]leader.Stored{{Branch: "b0", From: at(50), To: at(52)}, {Branch: "b0", From: at(51), To: at(53)}},
			map[string][]string{"b0": {"r0-50", "r0-51", "r0-52", "r0-53"}}, 1},
		{"an announcement of results from long ago is read apart rather than widening every branch's range",
			[]leader.Stored{{Branch: "b0", From: at(1), To: at(1)}, {Branch: "b1", From: at(58), To: at(58)}, {Branch: "b2", From: at(59), To: at(59)}},
			map[string][]string{"b0": {"r0-1"}, "b1": {"r1-58"}, "b2": {"r2-59"}}, 2},
		{"a branch with nothing stored in its range is not handed over",
			[]leader.Stored{{Branch: "b0", From: t0.Add(time.Minute), To: t0.Add(2 * time.Minute)}, {Branch: "b9", From: at(55), To: at(55)}},
			map[string][]string{}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, cs := feedServer(t, 3, t0)
			got := ids(s.readAnnounced(t.Context(), c.batch))
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("handed %v, want %v", got, c.want)
			}
			if q := cs.bulk.Load(); q != c.queries {
				t.Errorf("%d queries, want %d", q, c.queries)
			}
		})
	}
}

// fakeSub delivers announcements from a channel; each error in errs breaks
// the subscription once (Next fails).
type fakeSub struct {
	notes chan leader.Stored
	errs  chan error
}

func (f *fakeSub) Next(ctx context.Context) (leader.Stored, error) {
	select {
	case st := <-f.notes:
		return st, nil
	case err := <-f.errs:
		return leader.Stored{}, err
	case <-ctx.Done():
		return leader.Stored{}, ctx.Err()
	}
}

func (f *fakeSub) Close() error { return nil }

// fakeFeed hands out the same fakeSub at every Subscribe, counting them.
type fakeFeed struct {
	sub  *fakeSub
	subs atomic.Int32
}

func (f *fakeFeed) Announce(context.Context, leader.Stored) error { return nil }

func (f *fakeFeed) Subscribe(context.Context) (leader.Subscription, error) {
	f.subs.Add(1)
	return f.sub, nil
}

// What was heard before a subscription broke is still read and handed
// over, in the order heard, and hearing resumes on a new subscription.
func TestHeardAnnouncementsSurviveABrokenSubscription(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	sub := &fakeSub{notes: make(chan leader.Stored), errs: make(chan error)}
	feed := &fakeFeed{sub: sub}
	s := &Server{log: slog.New(slog.DiscardHandler), leader: &leadership{feed: feed}}
	heard := make(chan leader.Stored, 10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.hear(ctx, sub, heard)
	}()
	t0 := time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC)
	sub.notes <- leader.Stored{Branch: "b0", From: t0, To: t0}
	sub.errs <- fmt.Errorf("connection reset")
	sub.notes <- leader.Stored{Branch: "b1", From: t0, To: t0}
	var got []string
	for range 2 {
		got = append(got, (<-heard).Branch)
	}
	if fmt.Sprint(got) != "[b0 b1]" {
		t.Errorf("heard %v, want [b0 b1]", got)
	}
	if n := feed.subs.Load(); n != 1 {
		t.Errorf("subscribed again %d times, want 1", n)
	}
	cancel()
	<-done
	if _, open := <-heard; open {
		t.Error("heard is not closed once hearing ends")
	}
}

// branchCounting reads many branches at once (as PostgreSQL does) and
// counts how; it fails a read of one branch alone.
type branchCounting struct {
	*sqlite.Store
	bulk, alone atomic.Int32
}

func (b *branchCounting) BranchesOf(ctx context.Context, ids []string) (map[string]store.Branch, error) {
	b.bulk.Add(1)
	out := map[string]store.Branch{}
	for _, id := range ids {
		if br, err := b.Store.Branch(ctx, id); err == nil {
			out[id] = br
		}
	}
	return out, nil
}

func (b *branchCounting) Branch(context.Context, string) (store.Branch, error) {
	b.alone.Add(1)
	return store.Branch{}, errors.New("a branch read alone")
}

func TestBranchesNewToTheEngineAreReadWithOneQueryABatch(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "c.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC)
	d := &result.Descriptor{Name: "Branch", Calendar: calendar.Spec{Timezone: "UTC"}}
	for _, id := range []string{"b0", "b1", "b2"} {
		if err := st.PutBranch(t.Context(), id, d, store.Contact{At: now, ConfigHash: "h"}); err != nil {
			t.Fatal(err)
		}
	}
	pol, err := alerts.New(alerts.Config{}.WithDefaults(), nil)
	if err != nil {
		t.Fatal(err)
	}
	bc := &branchCounting{Store: st}
	s := &Server{store: bc, log: log, alerts: &alertParts{svc: alerting.New(alerting.Options{Store: bc, Policy: pol, Log: log})}}
	hs := []alerting.Handed{{Branch: "b0"}, {Branch: "b1"}, {Branch: "b2"}, {Branch: "gone"}}
	s.readUndescribed(t.Context(), hs)
	for _, h := range hs {
		if (h.Read != nil) != (h.Branch != "gone") {
			t.Errorf("%s read %v, want read exactly when it exists", h.Branch, h.Read != nil)
		}
	}
	if bulk, alone := bc.bulk.Load(), bc.alone.Load(); bulk != 1 || alone != 0 {
		t.Errorf("%d many-branch reads and %d one-branch reads, want 1 and 0", bulk, alone)
	}
}

// A result another collector stored while the leader's subscription was
// broken was announced to nobody: listening again, the leader replays
// recent results, and that failure still opens its incident (the
// walkthrough saw it never alerted).
func TestAResultStoredWhileTheFeedWasBrokenIsStillAlerted(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	d := &result.Descriptor{Name: "Branch", Calendar: calendar.Spec{Timezone: "UTC"},
		Devices: []result.Device{{ID: "atm-01", Kind: "atm", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}}}}
	if err := st.PutBranch(ctx, "b0", d, store.Contact{At: now, ConfigHash: "h"}); err != nil {
		t.Fatal(err)
	}
	pol, err := alerts.New(alerts.Config{Thresholds: alerts.ThresholdConfig{Default: alerts.Thresholds{Fail: 1, Resolve: 1}},
		Routing: alerts.Routing{Default: []alerts.Target{{Notifier: "slack", Target: "#branches"}}}}.WithDefaults(), nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := alerting.New(alerting.Options{Store: st, Policy: pol, Log: log, Tick: time.Hour})
	ran := make(chan error, 1)
	go func() { ran <- svc.Run(ctx) }()
	sub := &fakeSub{notes: make(chan leader.Stored), errs: make(chan error)}
	s := &Server{log: log, store: st, leader: &leadership{feed: &fakeFeed{sub: sub}}, alerts: &alertParts{svc: svc}}
	heard := make(chan leader.Stored, 10)
	go s.hear(ctx, sub, heard)
	// Stored by another collector; its announcement lost with the feed.
	if _, _, err := st.WriteResults(ctx, []result.Result{{ID: "r1", Branch: "b0", Device: "atm-01", Check: "reachable", Kind: "tcp",
		Status: result.StatusFail, StartedAt: now.Add(-time.Second), Reason: "refused"}}, now); err != nil {
		t.Fatal(err)
	}
	sub.errs <- fmt.Errorf("connection reset")
	waitUntil(t, "the incident of the result stored while the feed was broken", func() bool {
		select {
		case err := <-ran:
			t.Fatalf("the alert engine stopped: %v", err)
		default:
		}
		incs, err := svc.Incidents(ctx, time.Time{})
		return err == nil && len(incs) == 1
	})
}
