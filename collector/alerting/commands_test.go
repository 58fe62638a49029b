package alerting_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/alerting"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// Two engines over one store (as during a change of leader, when the old
// leader has not yet noticed it lost the lock) drain the same queue of
// commands: each command is applied by exactly one, and each decides
// exactly one edit of the incident's message.
func TestTwoEnginesOverOneQueueApplyEachCommandOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	st := openSQLite(t, ctx, log)
	defer st.Close()
	pol := postEveryFailure(t)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	d := &result.Descriptor{Name: "b1", Calendar: calendar.Spec{Timezone: "UTC"},
		Devices: []result.Device{{ID: "atm-01", Kind: "atm", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}}}}
	if err := st.PutBranch(ctx, "b1", d, store.Contact{At: now, ConfigHash: "h"}); err != nil {
		t.Fatal(err)
	}
	fail := []result.Result{{ID: "r1", Branch: "b1", Device: "atm-01", Check: "reachable", Kind: "tcp", Status: result.StatusFail,
		StartedAt: now.Add(-time.Minute), Reason: "refused"}}
	if _, _, err := st.WriteResults(ctx, fail, now); err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return now }
	engines := make([]*alerting.Service, 2)
	start := func(i int) {
		engines[i] = alerting.New(alerting.Options{Store: st, Policy: pol, Log: log, Now: clock, Tick: 5 * time.Millisecond})
		go func() { _ = engines[i].Run(ctx) }()
	}
	// The first engine opens the incident; the second, started after,
	// loads it from the store (as a new leader does).
	start(0)
	var id string
	waitUntil(t, "the incident posted", func() bool {
		incs, _ := st.Incidents(ctx, time.Time{})
		if len(incs) == 1 {
			id = incs[0].ID
		}
		sent, _ := st.Sent(ctx, id)
		return len(sent) == 1
	})
	start(1)
	const n = 20
	for i := range n {
		action := alerting.ActAck
		if i%2 == 1 {
			action = alerting.ActUnack
		}
		if _, err := st.QueueCommand(ctx, store.CommandRecord{Key: fmt.Sprint("k", i), Incident: id, Action: action, By: "ops", QueuedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range engines {
		e.Wake(store.SignalCommand)
	}
	waitUntil(t, "every command settled", func() bool {
		p, _ := st.PendingCommands(ctx, 1)
		return len(p) == 0
	})
	for i := range n {
		c, _ := st.Command(ctx, fmt.Sprint("k", i))
		if c.State != store.CommandApplied {
			t.Errorf("command %d is %s (%s), want applied", i, c.State, c.Outcome)
		}
	}
	sent, _ := st.Sent(ctx, id)
	if len(sent) != 1+n {
		t.Errorf("%d messages decided, want the post and one edit per command (%d)", len(sent), 1+n)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
