package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
)

// TestAReceiptReachesTheOutboxAsTheRemoteGaveIt: Record hands the batch
// to SQLite as JSON; whatever bytes a receipt holds come back unchanged.
func TestAReceiptReachesTheOutboxAsTheRemoteGaveIt(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "collector.db"), nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	receipts := map[string]notify.Receipt{
		"plain":                  {Channel: "C0ALERTS", TS: "1700000000.000100"},
		"empty":                  {},
		"quotes and backslashes": {Channel: `"C1"\`, TS: `\"\u0041`},
		"control characters":     {Channel: "a\x00b\x1f\n\t", TS: "\x7f"},
		"non-ASCII":              {Channel: "canal-é-日本", TS: "\u2028"},
		"invalid UTF-8":          {Channel: "\xff\xfe", TS: "a\xc3"},
	}
	base := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	for name, rc := range receipts {
		t.Run("a receipt with "+name+" is stored as given", func(t *testing.T) {
			m := notify.Message{IncidentID: "inc-" + name, Notifier: "slack", Target: "C1", Op: notify.Post, Title: name, DecidedAt: base}
			if err := s.Enqueue(ctx, []notify.Message{m}); err != nil {
				t.Fatalf("Enqueue: %v", err)
			}
			rows, err := s.Claim(ctx, base, 100, time.Minute)
			if err != nil || len(rows) != 1 {
				t.Fatalf("Claim = %d rows, %v; want 1", len(rows), err)
			}
			if _, notPending, err := s.Record(ctx, []outbox.Delivery{{Seq: rows[0].Seq, Receipt: rc, At: base}}, base, time.Minute); err != nil || len(notPending) != 0 {
				t.Fatalf("Record: %v, not pending %v", err, notPending)
			}
			sent, err := s.Sent(ctx, m.IncidentID)
			if err != nil || len(sent) != 1 {
				t.Fatalf("Sent = %+v, %v", sent, err)
			}
			if sent[0].Receipt != rc || !sent[0].DeliveredAt.Equal(base) {
				t.Errorf("stored receipt %q at %v, want %q at %v", sent[0].Receipt, sent[0].DeliveredAt, rc, base)
			}
			if th, err := s.Thread(ctx, m.IncidentID, "slack", "C1"); err != nil || th != rc {
				t.Errorf("thread %q, %v; want %q", th, err, rc)
			}
		})
	}
}

// TestASeqRecordedTwiceInABatchIsNotPendingTheSecondTime: the first
// delivery of a seq is recorded, the second is reported as Delivered
// would report it after the first.
func TestASeqRecordedTwiceInABatchIsNotPendingTheSecondTime(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "collector.db"), nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	base := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	if err := s.Enqueue(ctx, []notify.Message{{IncidentID: "inc-1", Notifier: "slack", Target: "C1", Op: notify.Post, DecidedAt: base}}); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	rows, err := s.Claim(ctx, base, 10, time.Minute)
	if err != nil || len(rows) != 1 {
		t.Fatalf("Claim = %d rows, %v; want 1", len(rows), err)
	}
	first, second := notify.Receipt{Channel: "C1", TS: "1.1"}, notify.Receipt{Channel: "C1", TS: "2.2"}
	_, notPending, err := s.Record(ctx, []outbox.Delivery{{Seq: rows[0].Seq, Receipt: first, At: base}, {Seq: rows[0].Seq, Receipt: second, At: base}}, base, time.Minute)
	if err != nil || len(notPending) != 1 || notPending[0] != rows[0].Seq {
		t.Fatalf("Record: %v, not pending %v; want [%d]", err, notPending, rows[0].Seq)
	}
	if sent, _ := s.Sent(ctx, "inc-1"); len(sent) != 1 || sent[0].Receipt != first || sent[0].Attempts != 1 {
		t.Errorf("row = %+v, want the first receipt after one attempt", sent)
	}
}

// TestARowWhoseMessageDoesNotDecodeHoldsBackNoDelivery: Record decodes
// the rows it claims after its transaction; one that does not decode is
// left out (it stays claimed, and comes back to Claim, which leaves it out
// too), and the deliveries are recorded all the same.
func TestARowWhoseMessageDoesNotDecodeHoldsBackNoDelivery(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "collector.db"), nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	base := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	var ms []notify.Message
	for _, inc := range []string{"inc-1", "inc-2"} {
		for _, op := range []notify.Op{notify.Post, notify.Reply} {
			ms = append(ms, notify.Message{IncidentID: inc, Notifier: "slack", Target: "C1", Op: op, Title: inc + " " + string(op), DecidedAt: base})
		}
	}
	// Enqueued and claimed apart, so that no message is remembered from
	// SaveAndClaim (outboxwaiting.go) and the damaged one is decoded.
	if err := s.Enqueue(ctx, ms); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	posts, err := s.Claim(ctx, base, 10, time.Minute)
	if err != nil || len(posts) != 2 {
		t.Fatalf("Claim = %d rows, %v; want the 2 posts", len(posts), err)
	}
	if _, err := s.tx(ctx, "damage", func(ctx context.Context, tx *sql.Tx) (int, error) {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET message = 'not json' WHERE seq = ?`, posts[0].Seq+1)
		return 0, err
	}); err != nil {
		t.Fatalf("damage inc-1's reply: %v", err)
	}
	var ds []outbox.Delivery
	for _, p := range posts {
		ds = append(ds, outbox.Delivery{Seq: p.Seq, Receipt: notify.Receipt{Channel: "C1", TS: p.Message.IncidentID}, At: base})
	}
	next, notPending, err := s.Record(ctx, ds, base, time.Minute)
	if err != nil || len(notPending) != 0 {
		t.Fatalf("Record: %v, not pending %v", err, notPending)
	}
	if len(next) != 1 || next[0].Message.Title != "inc-2 reply" {
		t.Errorf("Record claimed %+v, want inc-2's reply alone", next)
	}
	for _, p := range posts {
		var state string
		if err := s.rdb.QueryRowContext(ctx, `SELECT state FROM outbox WHERE seq = ?`, p.Seq).Scan(&state); err != nil || state != outbox.Delivered {
			t.Errorf("%s's post is %q, %v; want it delivered", p.Message.IncidentID, state, err)
		}
	}
	if rows, err := s.Claim(ctx, base.Add(time.Hour), 10, time.Minute); err != nil || len(rows) != 1 || rows[0].Message.Title != "inc-2 reply" {
		t.Errorf("Claim once the claims ran out = %+v, %v; want inc-2's reply alone", rows, err)
	}
}

// TestTheMessageWaitingBehindAPostIsClaimedAsEnqueued: SaveAndClaim
// remembers the messages it left waiting; Record hands the one it claims
// over as enqueued, without decoding it again, and forgets it.
func TestTheMessageWaitingBehindAPostIsClaimedAsEnqueued(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "collector.db"), nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	base := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	reply := notify.Message{IncidentID: "inc-1", Notifier: "slack", Target: "C1", Op: notify.Reply, Title: "inc-1 resolved",
		Fields: []notify.Field{{Label: "Status", Value: "Resolved"}}, Labels: map[string]string{"branch": "br-001"}, DecidedAt: base}
	post := reply
	post.Op, post.Title = notify.Post, "inc-1 opened"
	claimed, err := s.SaveAndClaim(ctx, nil, []notify.Message{post, reply}, base, time.Minute)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("SaveAndClaim = %d rows, %v; want the post", len(claimed), err)
	}
	if _, ok := s.waiting.m[claimed[0].Seq+1]; !ok {
		t.Fatalf("the reply enqueued as %d is not remembered", claimed[0].Seq+1)
	}
	next, _, err := s.Record(ctx, []outbox.Delivery{{Seq: claimed[0].Seq, Receipt: notify.Receipt{Channel: "C1", TS: "1.1"}, At: base}}, base, time.Minute)
	if err != nil || len(next) != 1 {
		t.Fatalf("Record = %d rows, %v; want the reply", len(next), err)
	}
	if !reflect.DeepEqual(next[0].Message, reply) || next[0].Seq != claimed[0].Seq+1 || !next[0].ClaimedUntil.Equal(base.Add(time.Minute)) {
		t.Errorf("Record claimed %+v, want the reply as enqueued, claimed until %v", next[0], base.Add(time.Minute))
	}
	if len(s.waiting.m) != 0 {
		t.Errorf("still remembered: %v", s.waiting.m)
	}
}
