package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
)

// TestMigration15KeepsTheOutbox: an outbox written before migration 0015
// (every row in outbox_pending) keeps its rows through the upgrade: the
// delivered and pending rows read as before, the index holds the pending
// rows alone, and the pending ones are claimed and recorded in order.
func TestMigration15KeepsTheOutbox(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Start(t).NewDatabase(t)
	pool := poolAtSchema(t, dsn, 14)
	// inc-1: a post delivered, an update pending; inc-2: a post pending.
	if _, err := pool.Exec(ctx, `INSERT INTO outbox (incident, notifier, target, op, message, decided_at, state, done_at, channel, ts, attempts)
		VALUES ('inc-1', 'slack', 'C1', 'post', '{"incident_id":"inc-1","op":"post"}', 1, 'delivered', 2, 'C1', 'ts-1', 1),
			('inc-1', 'slack', 'C1', 'update', '{"incident_id":"inc-1","op":"update"}', 3, 'pending', NULL, '', '', 0),
			('inc-2', 'slack', 'C1', 'post', '{"incident_id":"inc-2","op":"post"}', 4, 'pending', NULL, '', '', 0)`); err != nil {
		t.Fatal(err)
	}
	pool.Close()

	s := open(t, dsn)
	defer s.Close()
	var def string
	if err := s.pool.QueryRow(ctx, `SELECT indexdef FROM pg_indexes WHERE indexname = 'outbox_pending'`).Scan(&def); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(def, "WHERE (state = 'pending'::text)") {
		t.Errorf("outbox_pending after the upgrade: %s; want the pending rows alone", def)
	}
	sent, err := s.Sent(ctx, "inc-1")
	if err != nil || len(sent) != 2 || sent[0].State != outbox.Delivered || sent[1].State != outbox.Pending ||
		sent[1].Message.Op != notify.Update {
		t.Fatalf("inc-1's rows after the upgrade: %+v, %v; want the delivered post, then the pending update", sent, err)
	}
	if n, _, err := s.Stats(ctx, time.Unix(0, 10)); err != nil || n != 2 {
		t.Fatalf("Stats after the upgrade: %d pending, %v; want 2", n, err)
	}
	now := time.Unix(100, 0)
	claimed, err := s.Claim(ctx, now, 10, time.Minute)
	if err != nil || len(claimed) != 2 || claimed[0].Seq != sent[1].Seq {
		t.Fatalf("Claim after the upgrade: %+v, %v; want inc-1's update and inc-2's post", claimed, err)
	}
	ds := []outbox.Delivery{{Seq: claimed[0].Seq, At: now}, {Seq: claimed[1].Seq, Receipt: notify.Receipt{Channel: "C1", TS: "ts-2"}, At: now}}
	if next, notPending, err := s.Record(ctx, ds, now, time.Minute); err != nil || len(next) != 0 || len(notPending) != 0 {
		t.Fatalf("Record after the upgrade: next %+v, not pending %v, %v; want both marked, none next", next, notPending, err)
	}
	if n, _, err := s.Stats(ctx, now); err != nil || n != 0 {
		t.Fatalf("Stats after the deliveries: %d pending, %v; want 0", n, err)
	}
	if r, err := s.Thread(ctx, "inc-2", "slack", "C1"); err != nil || r.TS != "ts-2" {
		t.Fatalf("inc-2's thread: %+v, %v; want ts-2", r, err)
	}
}
