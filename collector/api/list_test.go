package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

func TestTheBranchListKeepsEachBranchsEncodingAndSendsWhatJSONMarshalOfTheWholeListWould(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "list.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC)
	week := "09:00-17:00"
	for i, b := range []struct{ id, region, tz string }{
		{"lon", "south <&>", "Europe/London"}, {"man", "north", "Europe/London"}, {"par", "south <&>", "Europe/Paris"}} {
		d := &result.Descriptor{Name: "Branch " + b.id, Region: b.region, Calendar: calendar.Spec{Timezone: b.tz,
			Hours: calendar.Week{Mon: week, Tue: week, Wed: week, Thu: week, Fri: week}, Lead: 15 * time.Minute, SweepStart: time.Hour},
			Devices: []result.Device{{ID: "atm-01", Kind: "atm", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}}}}
		c := store.Contact{At: now.Add(-time.Duration(i*10) * time.Minute), AgentVersion: "1.0.0", ConfigHash: "h" + b.id}
		if err := st.PutBranch(ctx, b.id, d, c); err != nil {
			t.Fatal(err)
		}
	}
	clock := now
	e := &readiness.Engine{Store: st, Now: func() time.Time { return clock }}
	tests := []struct {
		name string
		who  auth.Person
	}{
		{name: "operations see every branch", who: auth.Person{Name: "olga", Role: auth.Operations}},
		{name: "a region manager sees the region's", who: auth.Person{Name: "rita", Role: auth.RegionManager, Regions: []string{"south <&>"}}},
		{name: "branch staff of no listed branch see none", who: auth.Person{Name: "bob", Role: auth.BranchStaff, Branches: []string{"nowhere"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mux := http.NewServeMux()
			Register(mux, e, st, func() time.Time { return clock }, slog.New(slog.DiscardHandler), func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					h.ServeHTTP(w, r.WithContext(auth.WithPerson(r.Context(), tc.who)))
				})
			})
			// The second list is from the kept encodings; then the clock
			// moves on: local times change, and within a minute an agent
			// goes silent (15 minutes without a report); it goes back
			// within that minute, and the agent speaks again; then a branch reports and is judged
			// again.
			steps := []struct {
				at     time.Time
				report string
			}{{at: now}, {at: now}, {at: now.Add(5 * time.Minute)}, {at: now.Add(5*time.Minute + 30*time.Second)},
				{at: now.Add(5*time.Minute + 40*time.Second)}, {at: now.Add(5 * time.Minute)}, {at: now}, {at: now.Add(2 * time.Minute), report: "par"}}
			for i, step := range steps {
				clock = step.at
				if step.report != "" {
					d, err := st.Branch(ctx, step.report)
					if err != nil {
						t.Fatal(err)
					}
					if err := st.PutBranch(ctx, step.report, d.Descriptor, store.Contact{At: clock, AgentVersion: "1.0.1"}); err != nil {
						t.Fatal(err)
					}
					e.Invalidate(step.report)
				}
				w := httptest.NewRecorder()
				mux.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/branches", nil))
				all, err := e.All(ctx)
				if err != nil {
					t.Fatal(err)
				}
				want, err := json.Marshal(map[string]any{"branches": InScope(tc.who, all)})
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, '\n')
				if w.Code != http.StatusOK || w.Body.String() != string(want) || w.Header().Get("Content-Type") != "application/json" {
					t.Fatalf("list %d: %d %s\n%s\nwant\n%s", i, w.Code, w.Header().Get("Content-Type"), w.Body, want)
				}
			}
		})
	}
}
