package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/collector/store"
)

// alertsOf returns the store's alert side, failing the test when it has none.
func alertsOf(t *testing.T, open Opener) store.Alerts {
	t.Helper()
	a, ok := opened(t, open).(store.Alerts)
	if !ok {
		t.Fatal("the store does not implement store.Alerts")
	}
	return a
}

func message(incident, target string, op notify.Op, event string) notify.Message {
	return notify.Message{IncidentID: incident, Notifier: "slack", Target: target, Op: op, Event: event,
		Title: incident + " " + event, Text: "atm-02 does not answer", DecidedAt: base}
}

func testIncidentsAndOutboxInOneTransaction(t *testing.T, open Opener) {
	a := alertsOf(t, open)
	ctx := context.Background()
	inc := store.IncidentRecord{ID: "inc-1", Branch: "br-001", Device: "atm-02", Check: "reachable", State: "firing",
		OpenedAt: base, UpdatedAt: base, Body: json.RawMessage(`{"fails":3}`)}
	if err := a.SaveIncidents(ctx, []store.IncidentRecord{inc}, []notify.Message{message("inc-1", "C1", notify.Post, "opened")}); err != nil {
		t.Fatalf("SaveIncidents: %v", err)
	}
	inc.State, inc.UpdatedAt, inc.Body = store.ResolvedState, base.Add(time.Hour), json.RawMessage(`{"fails":0}`)
	if err := a.SaveIncidents(ctx, []store.IncidentRecord{inc}, []notify.Message{message("inc-1", "C1", notify.Reply, "resolved")}); err != nil {
		t.Fatalf("SaveIncidents: %v", err)
	}
	got, err := a.Incident(ctx, "inc-1")
	if err != nil {
		t.Fatalf("Incident: %v", err)
	}
	if got.State != store.ResolvedState || !got.OpenedAt.Equal(base) || !got.UpdatedAt.Equal(base.Add(time.Hour)) || string(got.Body) != `{"fails":0}` {
		t.Fatalf("incident reads back as %+v", got)
	}
	if _, err := a.Incident(ctx, "inc-404"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Incident(unknown) = %v, want ErrNotFound", err)
	}
	if open, _ := a.Incidents(ctx, base.Add(2*time.Hour)); len(open) != 0 {
		t.Fatalf("a resolved incident older than since is listed: %+v", open)
	}
	if recent, _ := a.Incidents(ctx, base); len(recent) != 1 {
		t.Fatalf("a recently resolved incident is not listed: %+v", recent)
	}
	sent, err := a.Sent(ctx, "inc-1")
	if err != nil || len(sent) != 2 || sent[0].Message.Event != "opened" || sent[1].Message.Event != "resolved" {
		t.Fatalf("Sent = %+v, %v; want opened then resolved", sent, err)
	}
}

func testOutboxDeliversInOrderPerIncident(t *testing.T, open Opener) {
	a := alertsOf(t, open)
	ctx := context.Background()
	if err := a.Enqueue(ctx, []notify.Message{
		message("inc-1", "C1", notify.Post, "opened"),
		message("inc-2", "C1", notify.Post, "opened"),
		message("inc-1", "C1", notify.Reply, "reminder"),
	}); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	now := base
	rows, err := a.Claim(ctx, now, 10, time.Minute)
	if err != nil || len(rows) != 2 || rows[0].Message.IncidentID != "inc-1" || rows[1].Message.IncidentID != "inc-2" {
		t.Fatalf("first Claim = %+v, %v; want the opening message of inc-1 and inc-2 only", rows, err)
	}
	if again, _ := a.Claim(ctx, now, 10, time.Minute); len(again) != 0 {
		t.Fatalf("claimed rows were handed out twice: %+v", again)
	}
	if err := a.Delivered(ctx, rows[0].Seq, notify.Receipt{Channel: "C1", TS: "1.0001"}, now); err != nil {
		t.Fatalf("Delivered: %v", err)
	}
	if th, _ := a.Thread(ctx, "inc-1", "slack", "C1"); th.TS != "1.0001" {
		t.Fatalf("the thread of inc-1 is %+v after its post was delivered", th)
	}
	if err := a.Retry(ctx, rows[1].Seq, "rate_limited", now.Add(30*time.Second)); err != nil {
		t.Fatalf("Retry: %v", err)
	}
	next, _ := a.Claim(ctx, now, 10, time.Minute)
	if len(next) != 1 || next[0].Message.Event != "reminder" {
		t.Fatalf("after inc-1's post: Claim = %+v, want its reminder only (inc-2 waits for its retry time)", next)
	}
	if n, age, _ := a.Stats(ctx, now.Add(time.Minute)); n != 2 || age != time.Minute {
		t.Fatalf("Stats = %d pending, oldest %v; want 2 and 1m", n, age)
	}
	later, _ := a.Claim(ctx, now.Add(2*time.Minute), 10, time.Minute)
	if len(later) != 2 {
		t.Fatalf("after the lease and the retry time: Claim = %+v, want the reminder again and inc-2", later)
	}
	for _, r := range later {
		if r.Message.IncidentID == "inc-2" && (r.Attempts != 1 || r.LastError != "rate_limited") {
			t.Fatalf("retried row reads back as %+v", r)
		}
	}
	if err := a.Fail(ctx, later[1].Seq, "channel_not_found", now); err != nil {
		t.Fatalf("Fail: %v", err)
	}
	if err := a.Retry(ctx, later[1].Seq, "again", now); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Retry of a failed row = %v, want ErrNotFound", err)
	}
}

func testSilences(t *testing.T, open Opener) {
	a := alertsOf(t, open)
	ctx := context.Background()
	s := store.SilenceRecord{ID: "sil-1", StartsAt: base, EndsAt: base.Add(2 * time.Hour), CreatedBy: "lin", Comment: "ATM swap",
		CreatedAt: base, Body: json.RawMessage(`{"branch":"br-001"}`)}
	if err := a.PutSilence(ctx, s); err != nil {
		t.Fatalf("PutSilence: %v", err)
	}
	got, err := a.Silences(ctx, base.Add(time.Hour))
	if err != nil || len(got) != 1 || got[0].CreatedBy != "lin" || !got[0].EndsAt.Equal(s.EndsAt) || string(got[0].Body) != `{"branch":"br-001"}` {
		t.Fatalf("Silences = %+v, %v", got, err)
	}
	if expired, _ := a.Silences(ctx, base.Add(3*time.Hour)); len(expired) != 0 {
		t.Fatalf("an expired silence is listed: %+v", expired)
	}
	if err := a.DeleteSilence(ctx, "sil-1"); err != nil {
		t.Fatalf("DeleteSilence: %v", err)
	}
	if err := a.DeleteSilence(ctx, "sil-1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting twice = %v, want ErrNotFound", err)
	}
}
