package sqlite

import (
	"context"
	"path/filepath"
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
