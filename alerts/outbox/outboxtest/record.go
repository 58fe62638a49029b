package outboxtest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
)

// recorder returns s as an outbox.Recorder, failing the test when it is
// not one: every store of the collector records in batches.
func recorder(t *testing.T, s outbox.Store) outbox.Recorder {
	t.Helper()
	r, ok := s.(outbox.Recorder)
	if !ok {
		t.Fatalf("%T does not implement outbox.Recorder", s)
	}
	return r
}

func record(t *testing.T, s outbox.Store, now time.Time, ds ...outbox.Delivery) (next []outbox.Row, notPending []int64) {
	t.Helper()
	next, notPending, err := recorder(t, s).Record(context.Background(), ds, now, lease)
	if err != nil {
		t.Fatalf("Record: %v", err)
	}
	return next, notPending
}

// testRecord: recording deliveries marks them as Delivered would and
// claims, in the same step, the next row of each of their incident routes
// (and only that one), so that the deliverer need not ask Claim for it.
func testRecord(t *testing.T, s outbox.Store) {
	ctx := context.Background()
	enqueue(t, s,
		message("inc-1", "C1", 1, notify.Post), message("inc-2", "C2", 2, notify.Post), message("inc-3", "C3", 3, notify.Post),
		message("inc-1", "C1", 4, notify.Update), message("inc-1", "C1", 5, notify.Reply), message("inc-2", "C2", 6, notify.Reply))
	rows := claim(t, s, base, 10)
	wantTitles(t, "first claim", rows, "inc-1 #1", "inc-2 #2", "inc-3 #3")
	rc1, rc2 := notify.Receipt{Channel: "C1", TS: "1.000001"}, notify.Receipt{Channel: "C2", TS: "2.000002"}
	at := base.Add(time.Second)
	now := base.Add(2 * time.Second)
	next, notPending := record(t, s, now, outbox.Delivery{Seq: rows[1].Seq, Receipt: rc2, At: at}, outbox.Delivery{Seq: rows[0].Seq, Receipt: rc1, At: at})
	wantTitles(t, "rows claimed by Record", next, "inc-1 #4", "inc-2 #6")
	if len(notPending) != 0 {
		t.Errorf("notPending = %v, want none", notPending)
	}
	for _, r := range next {
		if r.Unsettled || !r.ClaimedUntil.Equal(now.Add(lease)) || r.State != outbox.Pending {
			t.Errorf("%s = %+v, want pending, settled, claimed until %v", r.Message.Title, r, now.Add(lease))
		}
	}
	wantTitles(t, "claim while the next rows are claimed", claim(t, s, now, 10))
	wantTitles(t, "claim once every claim ran out", claim(t, s, now.Add(lease), 10), "inc-3 #3", "inc-1 #4", "inc-2 #6")
	for inc, rc := range map[string]notify.Receipt{"inc-1": rc1, "inc-2": rc2} {
		r := sent(t, s, inc)[0]
		if r.State != outbox.Delivered || r.Receipt != rc || !r.DeliveredAt.Equal(at) || r.Attempts != 1 {
			t.Errorf("%s = %+v, want delivered at %v with %+v after 1 attempt", r.Message.Title, r, at, rc)
		}
	}
	if th, err := s.Thread(ctx, "inc-1", "slack", "C1"); err != nil || th != rc1 {
		t.Errorf("Thread of inc-1 = %+v, %v; want %+v", th, err, rc1)
	}
}

// testRecordReply: a reply's receipt recorded in a batch does not replace
// the thread, as with Delivered.
func testRecordReply(t *testing.T, s outbox.Store) {
	enqueue(t, s, message("inc-1", "C1", 1, notify.Post), message("inc-1", "C1", 2, notify.Reply))
	post := notify.Receipt{Channel: "C1", TS: "1.000001"}
	next, _ := record(t, s, base, outbox.Delivery{Seq: claim(t, s, base, 1)[0].Seq, Receipt: post, At: base})
	wantTitles(t, "rows claimed by Record", next, "inc-1 #2")
	if next, _ = record(t, s, base, outbox.Delivery{Seq: next[0].Seq, Receipt: notify.Receipt{Channel: "C1", TS: "1.000002"}, At: base}); len(next) != 0 {
		t.Errorf("Record of the last row claimed %d rows, want none", len(next))
	}
	if th, _ := s.Thread(context.Background(), "inc-1", "slack", "C1"); th != post {
		t.Errorf("Thread = %+v after a reply, want the post's %+v", th, post)
	}
}

// testRecordNotPending: a row no longer pending (delivered by a deliverer
// whose claim ran out, say) is reported and left as it is, and the rest of
// the batch is recorded.
func testRecordNotPending(t *testing.T, s outbox.Store) {
	ctx := context.Background()
	enqueue(t, s, message("inc-1", "C1", 1, notify.Post), message("inc-2", "C1", 2, notify.Post), message("inc-1", "C1", 3, notify.Reply))
	rows := claim(t, s, base, 10)
	if err := s.Delivered(ctx, rows[0].Seq, notify.Receipt{Channel: "C1", TS: "1.1"}, base); err != nil {
		t.Fatalf("Delivered: %v", err)
	}
	// inc-1 #3 is now the head of its route and claimed by another.
	wantTitles(t, "claim of the next row", claim(t, s, base, 10), "inc-1 #3")
	next, notPending := record(t, s, base,
		outbox.Delivery{Seq: rows[0].Seq, Receipt: notify.Receipt{Channel: "C1", TS: "9.9"}, At: base},
		outbox.Delivery{Seq: rows[1].Seq, Receipt: notify.Receipt{Channel: "C1", TS: "2.2"}, At: base},
		outbox.Delivery{Seq: rows[1].Seq + 1000, Receipt: notify.Receipt{Channel: "C1", TS: "3.3"}, At: base})
	wantTitles(t, "rows claimed by Record", next)
	slices.Sort(notPending)
	if want := []int64{rows[0].Seq, rows[1].Seq + 1000}; !slices.Equal(notPending, want) {
		t.Errorf("notPending = %v, want %v", notPending, want)
	}
	if r := sent(t, s, "inc-1")[0]; r.Receipt.TS != "1.1" || r.Attempts != 1 {
		t.Errorf("inc-1 #1 = %+v after a refused record, want it unchanged", r)
	}
	if r := sent(t, s, "inc-2")[0]; r.State != outbox.Delivered || r.Receipt.TS != "2.2" {
		t.Errorf("inc-2 #2 = %+v, want delivered with its receipt", r)
	}
}

// testRecordNotDue: the next row of a route is claimed only when Claim
// would take it at that time: not before its retry time.
func testRecordNotDue(t *testing.T, s outbox.Store) {
	ctx := context.Background()
	enqueue(t, s, message("inc-1", "C1", 1, notify.Post), message("inc-1", "C1", 2, notify.Reply))
	rows := claim(t, s, base, 10)
	wantTitles(t, "first claim", rows, "inc-1 #1")
	later := base.Add(time.Minute)
	if err := s.Release(ctx, sent(t, s, "inc-1")[1].Seq, later); err != nil {
		t.Fatalf("Release of the waiting row: %v", err)
	}
	next, _ := record(t, s, base, outbox.Delivery{Seq: rows[0].Seq, Receipt: notify.Receipt{Channel: "C1", TS: "1.1"}, At: base})
	wantTitles(t, "rows claimed by Record before the next row's time", next)
	wantTitles(t, "claim at the next row's time", claim(t, s, later, 10), "inc-1 #2")
}
