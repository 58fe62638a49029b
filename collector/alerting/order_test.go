package alerting_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/alerting"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

// gatedReads holds the engine's first read of each branch "held-N" until
// the test lets it go (gate), saying on reading when it got there: the
// engine's loop is busy.
type gatedReads struct {
	*sqlite.Store
	reading chan string
	gate    chan struct{}
	mu      sync.Mutex
	seen    map[string]bool
}

func (g *gatedReads) Branch(ctx context.Context, id string) (store.Branch, error) {
	if strings.HasPrefix(id, "held-") {
		g.mu.Lock()
		first := !g.seen[id]
		g.seen[id] = true
		g.mu.Unlock()
		if first {
			g.reading <- id
			<-g.gate
		}
	}
	return g.Store.Branch(ctx, id)
}

// A maintenance window made before a failure is handed over applies to
// that failure, even when the engine's loop is busy as both arrive: the
// window's wake-up and the results then wait together, and the window
// goes first. (The loop used to pick between them at random: the failure
// of a device under a window just made was notified about half the time.)
func TestAWindowMadeBeforeAFailureMutesItEvenWhenTheEngineIsBusy(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	sq := openSQLite(t, ctx, log)
	defer sq.Close()
	st := &gatedReads{Store: sq, reading: make(chan string), gate: make(chan struct{}), seen: map[string]bool{}}
	now := time.Now().UTC()
	d := &result.Descriptor{Name: "Branch", Calendar: calendar.Spec{Timezone: "UTC"},
		Devices: []result.Device{{ID: "atm-02", Kind: "atm", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}}}}
	const tries = 10
	for i := range tries {
		if err := st.PutBranch(ctx, fmt.Sprintf("lon-%d", i), d, store.Contact{At: now, ConfigHash: "h"}); err != nil {
			t.Fatal(err)
		}
	}
	svc := alerting.New(alerting.Options{Store: st, Policy: postEveryFailure(t), Log: log, Now: func() time.Time { return now }, Tick: time.Hour})
	ran := make(chan error, 1)
	go func() { ran <- svc.Run(ctx) }()
	waitUntil(t, "the engine started", func() bool { return svc.Described("lon-0") })
	for i := range tries {
		id, held := fmt.Sprintf("lon-%d", i), fmt.Sprintf("held-%d", i)
		// Busy: the engine reads a branch new to it, and waits there.
		if err := st.PutBranch(ctx, held, d, store.Contact{At: now, ConfigHash: "h"}); err != nil {
			t.Fatal(err)
		}
		svc.Observe(ctx, held, []result.Result{{ID: "h-" + held, Branch: held, Device: "atm-02", Check: "reachable", Kind: "tcp",
			Status: result.StatusOK, StartedAt: now}})
		<-st.reading
		w := store.MaintenanceRecord{ID: fmt.Sprintf("mw-%d", i), Branch: id, Comment: "cassette swap", CreatedBy: "ops", CreatedAt: now,
			Window: calendar.Window{Devices: []string{"atm-02"}, Start: now.Add(-time.Hour).Format("2006-01-02 15:04"), End: now.Add(time.Hour).Format("2006-01-02 15:04")}}
		if err := st.PutMaintenance(ctx, w); err != nil {
			t.Fatal(err)
		}
		svc.MaintenanceChanged()
		svc.Observe(ctx, id, []result.Result{{ID: fmt.Sprintf("f-%d", i), Branch: id, Device: "atm-02", Check: "reachable", Kind: "tcp",
			Status: result.StatusFail, StartedAt: now, Reason: "refused"}})
		st.gate <- struct{}{}
		var got alerts.Incident
		waitUntil(t, id+"'s incident firing", func() bool {
			select {
			case err := <-ran:
				t.Fatalf("Run = %v", err)
			default:
			}
			incs, _ := svc.Incidents(ctx, time.Time{})
			for _, inc := range incs {
				if inc.Key.Branch == id && inc.State == alerts.Firing {
					got = inc
					return true
				}
			}
			return false
		})
		if got.MutedBy != w.ID || len(got.Notified) != 0 {
			t.Fatalf("try %d: %s's failure under %s: muted by %q, notified %v; want muted and not notified", i, id, w.ID, got.MutedBy, got.Notified)
		}
	}
}
