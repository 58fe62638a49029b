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
