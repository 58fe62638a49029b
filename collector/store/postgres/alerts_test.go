package postgres

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
)

// An incident saved twice in one call (the upsert is one statement for
// all, which may not change a row twice) ends as two saves one after the
// other would leave it: opened as first saved, in the state last saved.
func TestAnIncidentSavedTwiceInOneCallEndsAsItsLastSave(t *testing.T) {
	ctx := context.Background()
	s := open(t, pgtest.Start(t).NewDatabase(t))
	defer s.Close()
	t0 := time.Date(2026, 11, 27, 7, 0, 0, 0, time.UTC)
	rec := func(state string, opened, updated time.Time, body string) store.IncidentRecord {
		return store.IncidentRecord{ID: "inc-1", Branch: "b1", Device: "lobby", Check: "book", State: state,
			OpenedAt: opened, UpdatedAt: updated, Body: []byte(body)}
	}
	for _, tc := range []struct {
		name  string
		saved []store.IncidentRecord
	}{
		{"a new incident", nil},
		{"an incident already stored", []store.IncidentRecord{rec("firing", t0, t0, `{"n":0}`)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			execSQL(t, s.pool.Config().ConnString(), "DELETE FROM incidents")
			if err := s.SaveIncidents(ctx, tc.saved, nil); err != nil {
				t.Fatal(err)
			}
			opened := t0
			if tc.saved == nil {
				opened = t0.Add(time.Minute)
			}
			both := []store.IncidentRecord{rec("acknowledged", opened, t0.Add(time.Minute), `{"n":1}`),
				rec("resolved", t0.Add(time.Hour), t0.Add(2*time.Minute), `{"n":2}`)}
			if err := s.SaveIncidents(ctx, both, nil); err != nil {
				t.Fatal(err)
			}
			got, err := s.Incident(ctx, "inc-1")
			if err != nil {
				t.Fatal(err)
			}
			if got.State != "resolved" || !got.UpdatedAt.Equal(t0.Add(2*time.Minute)) || string(got.Body) != `{"n":2}` || !got.OpenedAt.Equal(opened) {
				t.Errorf("incident saved as %+v; want opened at %v, resolved at %v with body n 2", got, opened, t0.Add(2*time.Minute))
			}
		})
	}
}

func TestRouteHeads(t *testing.T) {
	m := func(incident, target string) notify.Message {
		return notify.Message{IncidentID: incident, Notifier: "slack", Target: target}
	}
	for _, tc := range []struct {
		name string
		ms   []notify.Message
		want []bool
	}{
		{"every message of its own route heads it", []notify.Message{m("a", "C1"), m("a", "C2"), m("b", "C1")}, []bool{true, true, true}},
		{"only the first message of a route heads it", []notify.Message{m("a", "C1"), m("b", "C1"), m("a", "C1"), m("a", "C1")},
			[]bool{true, true, false, false}},
		{"no messages have no heads", nil, []bool{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := routeHeads(tc.ms); !slices.Equal(got, tc.want) {
				t.Errorf("routeHeads = %v, want %v", got, tc.want)
			}
		})
	}
}
