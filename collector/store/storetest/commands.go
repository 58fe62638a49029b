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

// commandsOf returns the store's command queue, failing the test when it has none.
func commandsOf(t *testing.T, open Opener) (store.Commands, store.Alerts) {
	t.Helper()
	s := opened(t, open)
	c, ok := s.(store.Commands)
	a, ok2 := s.(store.Alerts)
	if !ok || !ok2 {
		t.Fatal("the store does not implement store.Commands and store.Alerts")
	}
	return c, a
}

func testCommands(t *testing.T, open Opener) {
	cs, a := commandsOf(t, open)
	ctx := context.Background()
	ack := store.CommandRecord{Key: "slack:T1:A1", Incident: "inc-1", Action: "ack", By: "lin (Slack)", QueuedAt: base.UTC()}
	snooze := store.CommandRecord{Key: "api:kim:7", Incident: "inc-2", Action: "snooze", By: "kim", Snooze: 30 * time.Minute,
		QueuedAt: base.Add(time.Second).UTC()}
	q1, err := cs.QueueCommand(ctx, ack)
	if err != nil {
		t.Fatalf("QueueCommand: %v", err)
	}
	q2, err := cs.QueueCommand(ctx, snooze)
	if err != nil {
		t.Fatalf("QueueCommand: %v", err)
	}
	want := ack
	want.Seq, want.State = q1.Seq, store.CommandPending
	if q1 != want || q2.Seq <= q1.Seq || q2.Snooze != 30*time.Minute || q2.State != store.CommandPending {
		t.Fatalf("queued %+v and %+v; want %+v and a later pending snooze of 30m", q1, q2, want)
	}
	t.Run("a retried request with the same key is queued once", func(t *testing.T) {
		again := ack
		again.By, again.QueuedAt = "someone else", base.Add(time.Hour)
		got, err := cs.QueueCommand(ctx, again)
		if err != nil || got != q1 {
			t.Fatalf("queueing the key again = %+v, %v; want the first command %+v", got, err, q1)
		}
		if p, _ := cs.PendingCommands(ctx, 10); len(p) != 2 || p[0].Key != ack.Key || p[1].Key != snooze.Key {
			t.Fatalf("pending = %+v, want the ack then the snooze", p)
		}
	})
	t.Run("a command settles once, with its incident change and messages", func(t *testing.T) {
		inc := store.IncidentRecord{ID: "inc-1", Branch: "br-001", Device: "atm-02", Check: "reachable", State: "firing",
			OpenedAt: base, UpdatedAt: base, Body: json.RawMessage(`{"acked_by":"lin"}`)}
		done := q1
		done.State, done.DoneAt = store.CommandApplied, base.Add(2*time.Second).UTC()
		msgs := []notify.Message{message("inc-1", "C1", notify.Update, "acknowledged")}
		if err := cs.SettleCommand(ctx, done, []store.IncidentRecord{inc}, msgs); err != nil {
			t.Fatalf("SettleCommand: %v", err)
		}
		twice := done
		twice.State, twice.Outcome = store.CommandRefused, "should not be kept"
		if err := cs.SettleCommand(ctx, twice, []store.IncidentRecord{inc}, msgs); !errors.Is(err, store.ErrCommandSettled) {
			t.Fatalf("settling twice = %v, want ErrCommandSettled", err)
		}
		if got, err := cs.Command(ctx, ack.Key); err != nil || got != done {
			t.Fatalf("Command = %+v, %v; want %+v", got, err, done)
		}
		if sent, _ := a.Sent(ctx, "inc-1"); len(sent) != 1 {
			t.Fatalf("%d messages kept for the command, want 1 (the second settle saved nothing)", len(sent))
		}
		if got, err := a.Incident(ctx, "inc-1"); err != nil || string(got.Body) != `{"acked_by":"lin"}` {
			t.Fatalf("incident = %+v, %v; want it saved with the command", got, err)
		}
		if p, _ := cs.PendingCommands(ctx, 10); len(p) != 1 || p[0].Key != snooze.Key {
			t.Fatalf("pending = %+v, want only the snooze", p)
		}
	})
	t.Run("a refused command keeps its outcome and changes no incident", func(t *testing.T) {
		refused := q2
		refused.State, refused.Outcome, refused.DoneAt = store.CommandRefused, "no open incident with that id", base.Add(3*time.Second).UTC()
		if err := cs.SettleCommand(ctx, refused, nil, nil); err != nil {
			t.Fatalf("SettleCommand: %v", err)
		}
		if got, _ := cs.Command(ctx, snooze.Key); got != refused {
			t.Fatalf("Command = %+v, want %+v", got, refused)
		}
		if _, err := a.Incident(ctx, "inc-2"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Incident(inc-2) = %v, want ErrNotFound", err)
		}
	})
	t.Run("an unknown key is not found", func(t *testing.T) {
		if _, err := cs.Command(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Command(unknown) = %v, want ErrNotFound", err)
		}
	})
	t.Run("pruning deletes settled commands before the cutoff and keeps pending ones", func(t *testing.T) {
		late := store.CommandRecord{Key: "late", Incident: "inc-3", Action: "unack", By: "kim", QueuedAt: base.UTC()}
		if _, err := cs.QueueCommand(ctx, late); err != nil {
			t.Fatal(err)
		}
		n, err := cs.PruneCommands(ctx, base.Add(time.Hour))
		if err != nil || n != 2 {
			t.Fatalf("PruneCommands = %d, %v; want the 2 settled ones", n, err)
		}
		if _, err := cs.Command(ctx, "late"); err != nil {
			t.Fatalf("the pending command was pruned: %v", err)
		}
	})
}
