package outboxtest

import (
	"context"
	"testing"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
)

// testUnsettled: the deliverer looks a row up in the remote before sending
// it again only when the Store says its earlier claim ended without an
// outcome, so the mark must be exact both ways.
func testUnsettled(t *testing.T, s outbox.Store) {
	ctx := context.Background()
	enqueue(t, s, message("inc-1", "C1", 1, notify.Post), message("inc-2", "C1", 2, notify.Post), message("inc-3", "C1", 3, notify.Post))
	rows := claim(t, s, base, 10)
	wantTitles(t, "first claim", rows, "inc-1 #1", "inc-2 #2", "inc-3 #3")
	for _, r := range rows {
		if r.Unsettled {
			t.Errorf("%s is unsettled at its first claim", r.Message.Title)
		}
	}
	if err := s.Release(ctx, rows[1].Seq, base); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if err := s.Retry(ctx, rows[2].Seq, "server_error: 500", base); err != nil {
		t.Fatalf("Retry: %v", err)
	}
	// inc-1's claim runs out with nothing recorded: its deliverer died.
	again := claim(t, s, base.Add(lease), 10)
	wantTitles(t, "claim after the lease", again, "inc-1 #1", "inc-2 #2", "inc-3 #3")
	for i, want := range []bool{true, false, false} {
		if again[i].Unsettled != want {
			t.Errorf("%s unsettled = %v, want %v", again[i].Message.Title, again[i].Unsettled, want)
		}
	}
	if err := s.Delivered(ctx, again[0].Seq, notify.Receipt{Channel: "C1", TS: "1.000001"}, base.Add(lease)); err != nil {
		t.Fatalf("Delivered after a second claim: %v", err)
	}
}
