package outboxtest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
)

// Opener returns a new, empty store for one test; it cleans up anything the
// store holds (files, databases, connections) with t.Cleanup.
type Opener func(t *testing.T) outbox.Store

// Run runs the conformance suite against the stores open makes.
func Run(t *testing.T, open Opener) {
	t.Helper()
	for _, c := range []struct {
		name string
		run  func(*testing.T, outbox.Store)
	}{
		{"every field of a message reads back as enqueued", testRoundTrip},
		{"an empty enqueue stores nothing and succeeds", testEmptyEnqueue},
		{"a cancelled context stores nothing", testCancelled},
		{"claim returns only the oldest pending row of each incident route, oldest first", testClaimOldestPerRoute},
		{"one incident on two routes is claimed on both", testClaimRoutesIndependent},
		{"claim returns at most n rows, the oldest", testClaimLimit},
		{"a claimed row comes back only once its lease has passed", testLease},
		{"a row whose claim ran out comes back unsettled, a released or retried one does not", testUnsettled},
		{"a row waiting for its retry holds back its incident's later rows", testRetryHoldsBack},
		{"delivering a post records the receipt and makes it the thread", testDeliveredPost},
		{"a reply's receipt does not replace the thread", testReplyKeepsThread},
		{"a failed row is final and frees its incident's later rows", testFail},
		{"a released row returns at its time without counting an attempt", testRelease},
		{"a row no longer pending cannot be marked again", testNotPending},
		{"stats count pending rows and age the oldest from its decision", testStats},
		{"concurrent claimers never share a row", testConcurrentClaims},
		{"a renewal extends only claims still as their deliverer knows them", testRenew},
		{"recording deliveries marks them and claims the next row of each of their routes", testRecord},
		{"a reply recorded in a batch does not replace the thread", testRecordReply},
		{"a row no longer pending is reported by Record and left as it is", testRecordNotPending},
		{"Record does not claim a next row before its time", testRecordNotDue},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, open(t)) })
	}
}

// base is a start time with nanoseconds, in a zone other than UTC, so a
// store that loses either is caught.
var base = time.Date(2026, 3, 2, 7, 15, 30, 123456789, time.FixedZone("CET", 3600))

const lease = time.Minute

// message returns the n-th message of incident to target on Slack.
func message(incident, target string, n int, op notify.Op) notify.Message {
	return notify.Message{
		IncidentID: incident, Notifier: "slack", Target: target, Op: op,
		Event: "opened", Severity: "critical", State: "firing",
		Title:     fmt.Sprintf("%s #%d", incident, n),
		Text:      fmt.Sprintf("%s message %d", incident, n),
		DecidedAt: base.Add(time.Duration(n) * time.Second),
	}
}

func enqueue(t *testing.T, s outbox.Store, ms ...notify.Message) {
	t.Helper()
	if err := s.Enqueue(context.Background(), ms); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
}

func claim(t *testing.T, s outbox.Store, now time.Time, n int) []outbox.Row {
	t.Helper()
	rows, err := s.Claim(context.Background(), now, n, lease)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	return rows
}

func sent(t *testing.T, s outbox.Store, incident string) []outbox.Row {
	t.Helper()
	rows, err := s.Sent(context.Background(), incident)
	if err != nil {
		t.Fatalf("Sent(%q): %v", incident, err)
	}
	return rows
}

// titles lists the rows' message titles, which name incident and number.
func titles(rows []outbox.Row) []string {
	out := []string{}
	for _, r := range rows {
		out = append(out, r.Message.Title)
	}
	return out
}

func wantTitles(t *testing.T, what string, rows []outbox.Row, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if got := titles(rows); !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

// sameMessage compares messages, times by instant.
func sameMessage(t *testing.T, got, want notify.Message) {
	t.Helper()
	if !got.DecidedAt.Equal(want.DecidedAt) {
		t.Errorf("DecidedAt = %v, want %v", got.DecidedAt, want.DecidedAt)
	}
	got.DecidedAt, want.DecidedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("message = %+v\nwant      %+v", got, want)
	}
}

func testRoundTrip(t *testing.T, s outbox.Store) {
	m := message("inc-1", "C0BRANCH", 1, notify.Post)
	m.Fields = []notify.Field{{Label: "Impact", Value: "about 38 customers an hour"}, {Label: "What to do", Value: "Power-cycle"}}
	m.Link = "https://board.example/branches/br-001"
	m.Button = []notify.Button{{Action: "ack", Label: "Acknowledge", Value: "inc-1"}, {Action: "snooze", Label: "Snooze 30 min", Value: "inc-1/30m0s"}}
	m.Labels = map[string]string{"branch": "br-001", "device": "atm-02", "check": "cash-dispenser", "region": "north"}
	m.Text = "ATM 02 外 \"down\"\n<b>&"
	enqueue(t, s, m)
	rows := sent(t, s, "inc-1")
	if len(rows) != 1 {
		t.Fatalf("Sent = %d rows, want 1", len(rows))
	}
	r := rows[0]
	sameMessage(t, r.Message, m)
	if r.State != outbox.Pending || r.Attempts != 0 || r.LastError != "" || !r.DeliveredAt.IsZero() || r.Receipt != (notify.Receipt{}) {
		t.Errorf("new row = %+v, want pending, untried, without receipt", r)
	}
}

func testEmptyEnqueue(t *testing.T, s outbox.Store) {
	enqueue(t, s)
	if n, _, err := s.Stats(context.Background(), base); err != nil || n != 0 {
		t.Errorf("Stats = %d, %v; want 0 pending", n, err)
	}
}

func testCancelled(t *testing.T, s outbox.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Enqueue(ctx, []notify.Message{message("inc-1", "C1", 1, notify.Post)}); err == nil {
		t.Error("Enqueue with a cancelled context succeeded")
	}
	if rows := sent(t, s, "inc-1"); len(rows) != 0 {
		t.Errorf("a cancelled Enqueue stored %d rows", len(rows))
	}
}

func testClaimOldestPerRoute(t *testing.T, s outbox.Store) {
	enqueue(t, s,
		message("inc-1", "C1", 1, notify.Post),
		message("inc-2", "C1", 1, notify.Post),
		message("inc-1", "C1", 2, notify.Update),
	)
	enqueue(t, s, message("inc-3", "C2", 1, notify.Post), message("inc-2", "C1", 2, notify.Reply))
	wantTitles(t, "first claim", claim(t, s, base, 10), "inc-1 #1", "inc-2 #1", "inc-3 #1")
	wantTitles(t, "claim while all are leased", claim(t, s, base, 10))
}

func testClaimRoutesIndependent(t *testing.T, s outbox.Store) {
	a, b, c := message("inc-1", "C1", 1, notify.Post), message("inc-1", "C2", 2, notify.Post), message("inc-1", "ops", 3, notify.Post)
	c.Notifier = "webhook:ops"
	enqueue(t, s, a, b, c, message("inc-1", "C1", 4, notify.Reply))
	wantTitles(t, "claim", claim(t, s, base, 10), "inc-1 #1", "inc-1 #2", "inc-1 #3")
}

func testClaimLimit(t *testing.T, s outbox.Store) {
	for i := range 5 {
		enqueue(t, s, message(fmt.Sprintf("inc-%d", i), "C1", i, notify.Post))
	}
	wantTitles(t, "claim 2", claim(t, s, base, 2), "inc-0 #0", "inc-1 #1")
	wantTitles(t, "claim 2 more", claim(t, s, base, 2), "inc-2 #2", "inc-3 #3")
}

func testLease(t *testing.T, s outbox.Store) {
	enqueue(t, s, message("inc-1", "C1", 1, notify.Post))
	wantTitles(t, "first claim", claim(t, s, base, 10), "inc-1 #1")
	wantTitles(t, "claim before the lease ends", claim(t, s, base.Add(lease-time.Second), 10))
	wantTitles(t, "claim after the lease", claim(t, s, base.Add(lease), 10), "inc-1 #1")
}

func testRetryHoldsBack(t *testing.T, s outbox.Store) {
	ctx := context.Background()
	enqueue(t, s, message("inc-1", "C1", 1, notify.Post), message("inc-1", "C1", 2, notify.Update))
	rows := claim(t, s, base, 10)
	wantTitles(t, "first claim", rows, "inc-1 #1")
	later := base.Add(30 * time.Second)
	if err := s.Retry(ctx, rows[0].Seq, "server_error: 500", later); err != nil {
		t.Fatalf("Retry: %v", err)
	}
	wantTitles(t, "claim before the retry time", claim(t, s, later.Add(-time.Nanosecond), 10))
	rows = claim(t, s, later, 10)
	wantTitles(t, "claim at the retry time", rows, "inc-1 #1")
	r := rows[0]
	if r.Attempts != 1 || r.LastError != "server_error: 500" || !r.NotBefore.Equal(later) || r.State != outbox.Pending {
		t.Errorf("retried row = %+v, want 1 attempt, its error and time, pending", r)
	}
}

func testDeliveredPost(t *testing.T, s outbox.Store) {
	ctx := context.Background()
	enqueue(t, s, message("inc-1", "#branch-paris", 1, notify.Post), message("inc-1", "#branch-paris", 2, notify.Update))
	if th, err := s.Thread(ctx, "inc-1", "slack", "#branch-paris"); err != nil || th != (notify.Receipt{}) {
		t.Errorf("Thread before delivery = %+v, %v; want zero", th, err)
	}
	rows := claim(t, s, base, 10)
	rc, at := notify.Receipt{Channel: "C0PARIS", TS: "1700000000.000100"}, base.Add(2*time.Second)
	if err := s.Delivered(ctx, rows[0].Seq, rc, at); err != nil {
		t.Fatalf("Delivered: %v", err)
	}
	if th, err := s.Thread(ctx, "inc-1", "slack", "#branch-paris"); err != nil || th != rc {
		t.Errorf("Thread = %+v, %v; want %+v", th, err, rc)
	}
	wantTitles(t, "claim after delivery", claim(t, s, base, 10), "inc-1 #2")
	r := sent(t, s, "inc-1")[0]
	if r.State != outbox.Delivered || r.Receipt != rc || !r.DeliveredAt.Equal(at) || r.Attempts != 1 {
		t.Errorf("delivered row = %+v, want delivered at %v with %+v after 1 attempt", r, at, rc)
	}
}

func testReplyKeepsThread(t *testing.T, s outbox.Store) {
	ctx := context.Background()
	enqueue(t, s, message("inc-1", "C1", 1, notify.Post), message("inc-1", "C1", 2, notify.Reply))
	post := notify.Receipt{Channel: "C1", TS: "1.000001"}
	if err := s.Delivered(ctx, claim(t, s, base, 1)[0].Seq, post, base); err != nil {
		t.Fatalf("Delivered post: %v", err)
	}
	if err := s.Delivered(ctx, claim(t, s, base, 1)[0].Seq, notify.Receipt{Channel: "C1", TS: "1.000002"}, base); err != nil {
		t.Fatalf("Delivered reply: %v", err)
	}
	if th, _ := s.Thread(ctx, "inc-1", "slack", "C1"); th != post {
		t.Errorf("Thread = %+v after a reply, want the post's %+v", th, post)
	}
	if th, _ := s.Thread(ctx, "inc-1", "slack", "C2"); th != (notify.Receipt{}) {
		t.Errorf("Thread on another target = %+v, want zero", th)
	}
}

func testFail(t *testing.T, s outbox.Store) {
	ctx := context.Background()
	enqueue(t, s, message("inc-1", "C1", 1, notify.Post), message("inc-1", "C1", 2, notify.Reply))
	at := base.Add(time.Second)
	if err := s.Fail(ctx, claim(t, s, base, 1)[0].Seq, "channel_not_found: #nowhere", at); err != nil {
		t.Fatalf("Fail: %v", err)
	}
	wantTitles(t, "claim after a failure", claim(t, s, base, 10), "inc-1 #2")
	r := sent(t, s, "inc-1")[0]
	if r.State != outbox.Failed || r.LastError != "channel_not_found: #nowhere" || !r.FailedAt.Equal(at) || r.Attempts != 1 {
		t.Errorf("failed row = %+v, want failed at %v with its error", r, at)
	}
	wantTitles(t, "claim after the lease", claim(t, s, base.Add(2*lease), 10), "inc-1 #2")
}

func testRelease(t *testing.T, s outbox.Store) {
	ctx := context.Background()
	enqueue(t, s, message("inc-1", "C1", 1, notify.Post), message("inc-1", "C1", 2, notify.Reply))
	rows := claim(t, s, base, 10)
	at := base.Add(3 * time.Second)
	if err := s.Release(ctx, rows[0].Seq, at); err != nil {
		t.Fatalf("Release: %v", err)
	}
	wantTitles(t, "claim before the release time", claim(t, s, at.Add(-time.Nanosecond), 10))
	rows = claim(t, s, at, 10)
	wantTitles(t, "claim at the release time", rows, "inc-1 #1")
	if rows[0].Attempts != 0 || rows[0].LastError != "" {
		t.Errorf("released row = %+v, want no attempt and no error", rows[0])
	}
}

func testNotPending(t *testing.T, s outbox.Store) {
	ctx := context.Background()
	enqueue(t, s, message("inc-1", "C1", 1, notify.Post))
	seq := claim(t, s, base, 1)[0].Seq
	if err := s.Delivered(ctx, seq, notify.Receipt{Channel: "C1", TS: "1.1"}, base); err != nil {
		t.Fatalf("Delivered: %v", err)
	}
	for name, mark := range map[string]func(int64) error{
		"Delivered": func(seq int64) error { return s.Delivered(ctx, seq, notify.Receipt{Channel: "C1", TS: "2.2"}, base) },
		"Retry":     func(seq int64) error { return s.Retry(ctx, seq, "x", base) },
		"Fail":      func(seq int64) error { return s.Fail(ctx, seq, "x", base) },
		"Release":   func(seq int64) error { return s.Release(ctx, seq, base) },
	} {
		if err := mark(seq); !errorsIs(err, outbox.ErrNotPending) {
			t.Errorf("%s of a delivered row: %v, want ErrNotPending", name, err)
		}
		if err := mark(seq + 1000); !errorsIs(err, outbox.ErrNotPending) {
			t.Errorf("%s of an unknown row: %v, want ErrNotPending", name, err)
		}
	}
	r := sent(t, s, "inc-1")[0]
	if r.State != outbox.Delivered || r.Receipt.TS != "1.1" || r.Attempts != 1 {
		t.Errorf("row = %+v after refused marks, want it unchanged", r)
	}
}

func testStats(t *testing.T, s outbox.Store) {
	ctx := context.Background()
	n, age, err := s.Stats(ctx, base)
	if err != nil || n != 0 || age != 0 {
		t.Errorf("empty Stats = %d, %v, %v; want 0, 0", n, age, err)
	}
	enqueue(t, s, message("inc-1", "C1", 1, notify.Post), message("inc-2", "C1", 5, notify.Post), message("inc-3", "C1", 9, notify.Post))
	if err := s.Delivered(ctx, claim(t, s, base, 1)[0].Seq, notify.Receipt{Channel: "C1", TS: "1.1"}, base); err != nil {
		t.Fatalf("Delivered: %v", err)
	}
	now := base.Add(time.Minute)
	n, age, err = s.Stats(ctx, now)
	if want := now.Sub(base.Add(5 * time.Second)); err != nil || n != 2 || age != want {
		t.Errorf("Stats = %d, %v, %v; want 2, %v", n, age, err, want)
	}
}
