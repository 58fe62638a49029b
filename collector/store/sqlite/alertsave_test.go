package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/collector/store"
)

// TestEveryMessageOfALargeSaveIsClaimedWithItsOwnSeq: the engine's saves
// write many rows a statement; each message enqueued gets its own seq, in
// order, and the rows claimed carry the message stored under their seq,
// for every count of rows the statements are split into.
func TestEveryMessageOfALargeSaveIsClaimedWithItsOwnSeq(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "collector.db"), nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	base := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	for _, n := range []int{1, 3, 32, 45, 100} {
		t.Run(fmt.Sprintf("a save of %d incidents with a post and a reply each", n), func(t *testing.T) {
			var ms []notify.Message
			for i := range n {
				id := fmt.Sprintf("inc-%d-%d", n, i)
				for _, op := range []notify.Op{notify.Post, notify.Reply} {
					ms = append(ms, notify.Message{IncidentID: id, Notifier: "slack", Target: "C1", Op: op,
						Title: fmt.Sprintf("%s %s", id, op), DecidedAt: base})
				}
			}
			rows, err := s.SaveAndClaim(ctx, nil, ms, base, time.Minute)
			if err != nil {
				t.Fatalf("SaveAndClaim: %v", err)
			}
			if len(rows) != n {
				t.Fatalf("claimed %d rows, want the %d posts", len(rows), n)
			}
			for i, r := range rows {
				sent, err := s.Sent(ctx, r.Message.IncidentID)
				if err != nil || len(sent) != 2 {
					t.Fatalf("Sent(%s) = %d rows, %v; want 2", r.Message.IncidentID, len(sent), err)
				}
				if want := fmt.Sprintf("inc-%d-%d post", n, i); r.Message.Title != want || sent[0].Seq != r.Seq || sent[0].Message.Title != want {
					t.Errorf("claimed %q as seq %d, stored %q as seq %d; want %q", r.Message.Title, r.Seq, sent[0].Message.Title, sent[0].Seq, want)
				}
				if sent[1].Seq != r.Seq+1 || sent[1].Message.Title != fmt.Sprintf("inc-%d-%d reply", n, i) {
					t.Errorf("reply of %s stored as %q, seq %d after the post's %d", r.Message.IncidentID, sent[1].Message.Title, sent[1].Seq, r.Seq)
				}
			}
		})
	}
}

// TestTheLastRecordOfAnIncidentInOneSaveIsTheOneKept: records of one
// incident saved together (two staged outcomes of a branch) are applied
// in order.
func TestTheLastRecordOfAnIncidentInOneSaveIsTheOneKept(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "collector.db"), nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	base := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	var incs []store.IncidentRecord
	for i := range 5 {
		for j, state := range []string{"firing", "acknowledged", "resolved"} {
			incs = append(incs, store.IncidentRecord{ID: fmt.Sprintf("inc-%d", i), Branch: "br-001", Device: "atm-01", Check: "reachable",
				State: state, OpenedAt: base, UpdatedAt: base.Add(time.Duration(j) * time.Minute), Body: []byte(`{"state":"` + state + `"}`)})
		}
	}
	if err := s.SaveIncidents(ctx, incs, nil); err != nil {
		t.Fatalf("SaveIncidents: %v", err)
	}
	for i := range 5 {
		got, err := s.Incident(ctx, fmt.Sprintf("inc-%d", i))
		if err != nil {
			t.Fatalf("Incident: %v", err)
		}
		if got.State != "resolved" || string(got.Body) != `{"state":"resolved"}` || !got.UpdatedAt.Equal(base.Add(2*time.Minute)) || !got.OpenedAt.Equal(base) {
			t.Errorf("inc-%d = %+v, want the last record saved (resolved)", i, got)
		}
	}
}
