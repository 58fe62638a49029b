package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
	"github.com/branchready/branchready/collector/store"
)

// BenchmarkOutboxWave runs the outbox's side of a wave as the alert
// engine and the deliverer do: each op saves 8 new incidents with a post
// and a reply each (SaveAndClaim claims the posts), records the posts
// (Record claims the replies) and records the replies. One op is 16
// messages; cpu-ns/msg (the process's CPU time, which the machine's other
// load changes less than the wall time) is the figure to compare.
//
//	go test -run '^$' -bench OutboxWave -benchtime 300x ./collector/store/sqlite/
func BenchmarkOutboxWave(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "collector.db"), nil)
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	defer s.Close()
	const incidents, lease = 8, time.Minute
	now := benchStart
	b.ResetTimer()
	cpu0 := processCPU()
	for i := range b.N {
		incs := make([]store.IncidentRecord, incidents)
		ms := make([]notify.Message, 0, 2*incidents)
		for j := range incs {
			id := fmt.Sprintf("br-%05d/atm-%02d/reachable/%d", i, j, now.UnixNano())
			incs[j] = store.IncidentRecord{ID: id, Branch: fmt.Sprintf("br-%05d", i), Device: fmt.Sprintf("atm-%02d", j),
				Check: "reachable", State: "firing", OpenedAt: now, UpdatedAt: now,
				Body: []byte(`{"id":"` + id + `","state":"firing","since":"2026-03-02T07:00:00Z","results":3}`)}
			for _, op := range []notify.Op{notify.Post, notify.Reply} {
				ms = append(ms, notify.Message{IncidentID: id, Notifier: "slack", Target: "C0ALERTS", Op: op,
					Event: "opened", Severity: "critical", State: "firing", Title: id + " is unreachable",
					Text: id + " did not answer 3 times", Labels: map[string]string{"branch": incs[j].Branch, "device": incs[j].Device},
					DecidedAt: now})
			}
		}
		heads, err := s.SaveAndClaim(ctx, incs, ms, now, lease)
		if err != nil || len(heads) != incidents {
			b.Fatalf("SaveAndClaim claimed %d rows, %v; want %d", len(heads), err, incidents)
		}
		for range 2 {
			ds := make([]outbox.Delivery, len(heads))
			for j, r := range heads {
				ds[j] = outbox.Delivery{Seq: r.Seq, Receipt: notify.Receipt{Channel: "C0ALERTS", TS: fmt.Sprintf("%d.%06d", i, r.Seq)}, At: now}
			}
			next, notPending, err := s.Record(ctx, ds, now, lease)
			if err != nil || len(notPending) != 0 {
				b.Fatalf("Record: %v, not pending %v", err, notPending)
			}
			heads = next
		}
		if len(heads) != 0 {
			b.Fatalf("Record of the replies claimed %d rows, want none", len(heads))
		}
		now = now.Add(time.Millisecond)
	}
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N*2*incidents), "cpu-ns/msg")
}
