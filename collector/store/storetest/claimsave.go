package storetest

import (
	"context"
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
	rows, err := cs.SaveAndClaim(ctx, nil, []notify.Message{message("inc-1", "C1", notify.Update, "acknowledged"),
		message("inc-2", "C1", notify.Post, "opened"), message("inc-2", "C1", notify.Reply, "reminder"),
		message("inc-3", "C2", notify.Post, "opened")}, base, lease)
	if err != nil {
		t.Fatalf("SaveAndClaim: %v", err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.Message.Title)
		if r.Unsettled || r.Attempts != 0 || r.State != outbox.Pending {
			t.Errorf("%s claimed as %+v, want a fresh pending row", r.Message.Title, r)
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
