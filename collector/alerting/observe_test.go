package alerting_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/alerting"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// The leader's feed hands results of many branches at once, each with the
// branch as it read it when the engine had not described it: the engine
// takes that branch (the message names it) without a store read of its
// own, and says from then on that it holds it.
func TestResultsHandedWithTheirBranchAreJudgedWithThatBranch(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	st := openSQLite(t, ctx, log)
	defer st.Close()
	pol := postEveryFailure(t)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	svc := alerting.New(alerting.Options{Store: st, Policy: pol, Log: log, Now: func() time.Time { return now }, Tick: time.Hour})
	go func() { _ = svc.Run(ctx) }()
	var handed []alerting.Handed
	for _, id := range []string{"lon", "par"} {
		// The store holds neither branch: only what is handed can name it.
		d := &result.Descriptor{Name: "Branch " + id, Calendar: calendar.Spec{Timezone: "UTC"},
			Devices: []result.Device{{ID: "atm-01", Kind: "atm", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}}}}
		read := store.Branch{ID: id, Descriptor: d, Contact: store.Contact{At: now, ConfigHash: "h"}}
		handed = append(handed, alerting.Handed{Branch: id, Read: &read, Results: []result.Result{{ID: "r-" + id, Branch: id,
			Device: "atm-01", Check: "reachable", Kind: "tcp", Status: result.StatusFail, StartedAt: now.Add(-time.Minute), Reason: "refused"}}})
	}
	if svc.Described("lon") {
		t.Fatal("described before anything was handed")
	}
	svc.ObserveAll(ctx, handed)
	waitUntil(t, "both incidents' messages in the outbox, naming their branch", func() bool {
		incs, _ := st.Incidents(ctx, time.Time{})
		named := 0
		for _, inc := range incs {
			rows, _ := st.Sent(ctx, inc.ID)
			if len(rows) == 1 && strings.Contains(rows[0].Message.Text, "Branch "+inc.Branch) {
				named++
			}
		}
		return named == 2
	})
	if !svc.Described("lon") || !svc.Described("par") {
		t.Error("the engine does not say it holds the branches handed to it")
	}
}
