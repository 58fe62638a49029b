package outboxtest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
)

// testRenew: a deliverer renews the short claims it holds, and a renewal
// must never extend a claim that is no longer the one it knows (settled,
// released, or taken by another deliverer after it ran out), or two
// deliverers could each believe a row theirs.
func testRenew(t *testing.T, s outbox.Store) {
	ctx := context.Background()
	enqueue(t, s, message("inc-1", "C1", 1, notify.Post), message("inc-2", "C1", 2, notify.Post),
		message("inc-3", "C1", 3, notify.Post), message("inc-4", "C1", 4, notify.Post))
	rows := claim(t, s, base, 10)
	wantTitles(t, "first claim", rows, "inc-1 #1", "inc-2 #2", "inc-3 #3", "inc-4 #4")
	for _, r := range rows {
		if !r.ClaimedUntil.Equal(base.Add(lease)) {
			t.Fatalf("%s claimed until %v, want %v (the claim's now plus lease)", r.Message.Title, r.ClaimedUntil, base.Add(lease))
		}
	}
	claims := make([]outbox.Claim, len(rows))
	for i, r := range rows {
		claims[i] = outbox.Claim{Seq: r.Seq, Until: r.ClaimedUntil}
	}
	if err := s.Delivered(ctx, rows[0].Seq, notify.Receipt{Channel: "C1", TS: "1.000001"}, base); err != nil {
		t.Fatalf("Delivered: %v", err)
	}
	if err := s.Release(ctx, rows[1].Seq, base); err != nil {
		t.Fatalf("Release: %v", err)
	}
	// inc-3's claim runs out and another deliverer claims it (and inc-2,
	// released) before the first deliverer's renewal arrives.
	other := claim(t, s, base.Add(lease), 10)
	wantTitles(t, "the other deliverer's claim", other, "inc-2 #2", "inc-3 #3", "inc-4 #4")
	// inc-1 is delivered, inc-2 released and claimed again, inc-3 and
	// inc-4 claimed by the other deliverer once their claims ran out:
	// none of the first deliverer's claims is its own any more.
	renewed := renew(t, s, claims, base.Add(lease+time.Second))
	if len(renewed) != 0 {
		t.Errorf("renewed %v of claims all settled, released or taken since, want none", renewed)
	}
	// The other deliverer renews what it holds: all of it.
	mine := make([]outbox.Claim, len(other))
	for i, r := range other {
		mine[i] = outbox.Claim{Seq: r.Seq, Until: r.ClaimedUntil}
	}
	until := base.Add(lease + lease/2)
	if got, want := renew(t, s, mine, until), []int64{other[0].Seq, other[1].Seq, other[2].Seq}; !reflect.DeepEqual(got, want) {
		t.Errorf("renewed %v, want %v", got, want)
	}
	// Renewed, the rows stay claimed past the first claim's end, and come
	// back (unsettled) only after the renewed one.
	wantTitles(t, "claim before the renewed claims end", claim(t, s, until.Add(-time.Nanosecond), 10))
	wantTitles(t, "claim once the renewed claims ended", claim(t, s, until, 10), "inc-2 #2", "inc-3 #3", "inc-4 #4")
}

func renew(t *testing.T, s outbox.Store, claims []outbox.Claim, until time.Time) []int64 {
	t.Helper()
	got, err := s.Renew(context.Background(), claims, until)
	if err != nil {
		t.Fatalf("Renew: %v", err)
	}
	if got == nil {
		got = []int64{}
	}
	return got
}
