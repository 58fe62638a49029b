package storetest

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
	"github.com/branchready/branchready/collector/store"
)

// claimSaver is the alert engine's way to save decisions and hand the
// rows straight to the local delivery loop.
type claimSaver interface {
	SaveAndClaim(ctx context.Context, incs []store.IncidentRecord, ms []notify.Message, now time.Time, lease time.Duration) ([]outbox.Row, error)
}

func testSaveAndClaim(t *testing.T, open Opener) {
	a := alertsOf(t, open)
	cs, ok := a.(claimSaver)
	if !ok {
		t.Fatal("the store cannot save and claim in one transaction")
	}
	ctx := context.Background()
	const lease = time.Minute
	// inc-1's post is pending (claimed by nobody): its update must wait.
	if err := a.SaveIncidents(ctx, nil, []notify.Message{message("inc-1", "C1", notify.Post, "opened")}); err != nil {
		t.Fatalf("SaveIncidents: %v", err)
	}
	ms := []notify.Message{message("inc-1", "C1", notify.Update, "acknowledged"),
		message("inc-2", "C1", notify.Post, "opened"), message("inc-2", "C1", notify.Reply, "reminder"),
		message("inc-3", "C2", notify.Post, "opened")}
	rows, err := cs.SaveAndClaim(ctx, nil, ms, base, lease)
	if err != nil {
		t.Fatalf("SaveAndClaim: %v", err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.Message.Title)
		if r.Unsettled || r.Attempts != 0 || r.State != outbox.Pending || !r.ClaimedUntil.Equal(base.Add(lease)) {
			t.Errorf("%s claimed as %+v, want a fresh pending row claimed until %v", r.Message.Title, r, base.Add(lease))
		}
		// The row carries its message as saved, as Sent reads it back.
		sent, err := a.Sent(ctx, r.Message.IncidentID)
		if err != nil {
			t.Fatalf("Sent: %v", err)
		}
		i := slices.IndexFunc(sent, func(s outbox.Row) bool { return s.Seq == r.Seq })
		if i < 0 || !sameMessage(sent[i].Message, r.Message) {
			t.Errorf("%s claimed with seq %d and message %+v, not as stored %+v", r.Message.Title, r.Seq, r.Message, sent)
		}
	}
	if want := []string{"inc-2 opened", "inc-3 opened"}; !slices.Equal(got, want) {
		t.Fatalf("claimed %q, want only the new heads of their incident route %q", got, want)
	}
	others, err := a.Claim(ctx, base, 10, lease)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	if len(others) != 1 || others[0].Message.Title != "inc-1 opened" {
		t.Fatalf("a later claim took %+v, want inc-1's post alone (the rows just claimed are leased)", others)
	}
	if err := a.Delivered(ctx, rows[0].Seq, notify.Receipt{Channel: "C1", TS: "1.000001"}, base); err != nil {
		t.Fatalf("Delivered: %v", err)
	}
	if next, _ := a.Claim(ctx, base, 10, lease); len(next) != 1 || next[0].Message.Title != "inc-2 reminder" {
		t.Fatalf("after inc-2's post was delivered, claim took %+v, want its reminder", next)
	}
}

// sameMessage compares messages, times by instant.
func sameMessage(a, b notify.Message) bool {
	if !a.DecidedAt.Equal(b.DecidedAt) {
		return false
	}
	a.DecidedAt, b.DecidedAt = time.Time{}, time.Time{}
	return reflect.DeepEqual(a, b)
}
