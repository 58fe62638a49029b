package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// testExpireIncidents: incidents resolved before the cutoff go with their
// outbox rows and threads; one with a message still to deliver stays
// whole, as do open incidents and those resolved after the cutoff.
func testExpireIncidents(t *testing.T, open Opener) {
	a := alertsOf(t, open)
	ex, ok := a.(store.IncidentExpirer)
	if !ok {
		t.Fatal("the store does not implement store.IncidentExpirer")
	}
	ctx := context.Background()
	incident := func(id, state string, at time.Time) store.IncidentRecord {
		return store.IncidentRecord{ID: id, Branch: "br-001", Device: "atm-02", Check: "reachable", State: state,
			OpenedAt: base, UpdatedAt: at, Body: json.RawMessage(`{}`)}
	}
	cutoff := base.Add(24 * time.Hour)
	incs := []store.IncidentRecord{
		incident("inc-old", store.ResolvedState, base.Add(time.Hour)),
		incident("inc-undelivered", store.ResolvedState, base.Add(time.Hour)),
		incident("inc-firing", "firing", base.Add(time.Hour)),
		incident("inc-recent", store.ResolvedState, cutoff.Add(time.Hour)),
	}
	var ms []notify.Message
	for _, inc := range incs {
		ms = append(ms, message(inc.ID, "C1", notify.Post, "opened"), message(inc.ID, "C1", notify.Reply, "resolved"))
	}
	if err := a.SaveIncidents(ctx, incs, ms); err != nil {
		t.Fatalf("SaveIncidents: %v", err)
	}
	// Deliver every message but inc-undelivered's last.
	for range 3 {
		rows, err := a.Claim(ctx, base, 20, time.Minute)
		if err != nil {
			t.Fatalf("Claim: %v", err)
		}
		for _, r := range rows {
			if r.Message.IncidentID == "inc-undelivered" && r.Message.Event == "resolved" {
				continue
			}
			if err := a.Delivered(ctx, r.Seq, notify.Receipt{Channel: "C1", TS: "1.2"}, base); err != nil {
				t.Fatalf("Delivered: %v", err)
			}
		}
	}
	nInc, nMsg, err := ex.ExpireIncidents(ctx, cutoff)
	if err != nil || nInc != 1 || nMsg != 2 {
		t.Fatalf("ExpireIncidents = %d incidents, %d messages, %v; want inc-old and its 2 messages", nInc, nMsg, err)
	}
	if _, err := a.Incident(ctx, "inc-old"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("inc-old after expiry: %v, want ErrNotFound", err)
	}
	if sent, err := a.Sent(ctx, "inc-old"); err != nil || len(sent) != 0 {
		t.Errorf("inc-old's outbox after expiry: %d rows, %v", len(sent), err)
	}
	if th, err := a.Thread(ctx, "inc-old", "slack", "C1"); err != nil || th.TS != "" {
		t.Errorf("inc-old's thread after expiry: %+v, %v", th, err)
	}
	for _, id := range []string{"inc-undelivered", "inc-firing", "inc-recent"} {
		if _, err := a.Incident(ctx, id); err != nil {
			t.Errorf("%s was expired: %v", id, err)
		}
		if sent, err := a.Sent(ctx, id); err != nil || len(sent) != 2 {
			t.Errorf("%s keeps %d outbox rows, %v; want 2", id, len(sent), err)
		}
	}
	if th, err := a.Thread(ctx, "inc-undelivered", "slack", "C1"); err != nil || th.TS != "1.2" {
		t.Errorf("inc-undelivered's thread: %+v, %v; want kept", th, err)
	}
	if n, m, err := ex.ExpireIncidents(ctx, cutoff); err != nil || n != 0 || m != 0 {
		t.Errorf("a second expiry deleted %d incidents and %d messages, %v; want none", n, m, err)
	}
	// More than a transaction's batch: every one goes, in several.
	many := make([]store.IncidentRecord, 2*store.ExpiryBatch+1)
	for i := range many {
		many[i] = incident(fmt.Sprintf("inc-many-%04d", i), store.ResolvedState, base.Add(time.Duration(i)*time.Second))
	}
	if err := a.SaveIncidents(ctx, many, nil); err != nil {
		t.Fatalf("SaveIncidents: %v", err)
	}
	if n, _, err := ex.ExpireIncidents(ctx, cutoff); err != nil || n != int64(len(many)) {
		t.Errorf("expiring %d old incidents deleted %d, %v", len(many), n, err)
	}
}
