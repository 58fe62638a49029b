package board

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// heldStore holds every result read until held is closed: a collector
// whose first judgement of the bank is still under way.
type heldStore struct {
	bankStore
	held chan struct{}
}

func (h *heldStore) Results(ctx context.Context, id string, from, to time.Time) ([]result.Result, error) {
	select {
	case <-h.held:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return h.bankStore.Results(ctx, id, from, to)
}

func TestAStartingCollectorSaysItIsJudgingAndThenShowsTheBoard(t *testing.T) {
	now := london("08:30")
	week := "09:00-17:00"
	d := &result.Descriptor{Name: "Bank Street", Calendar: calendar.Spec{Timezone: "Europe/London",
		Hours: calendar.Week{Mon: week, Tue: week, Wed: week, Thu: week, Fri: week}},
		Devices: []result.Device{{ID: "atm-01", Kind: "atm", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}}}}
	st := &heldStore{bankStore: bankStore{branches: []store.Branch{{ID: "lon", Descriptor: d, Contact: store.Contact{At: now}}},
		results: map[string][]result.Result{"lon": {{ID: "r1", Branch: "lon", Device: "atm-01", Check: "reachable", Kind: "tcp",
			Status: result.StatusFail, StartedAt: london("08:20"), Reason: "connection refused"}}}}, held: make(chan struct{})}
	e := &readiness.Engine{Store: st, Now: func() time.Time { return now }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e.Run(ctx, nil) }()
	defer func() { cancel(); <-done }()
	mux := http.NewServeMux()
	Register(mux, e, st, func() time.Time { return now }, slog.New(slog.DiscardHandler), loggedInAs(auth.Person{Name: "olga", Role: auth.Operations}))
	get := func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		return w
	}
	// A request before Run has begun would judge for itself (as without
	// Run), and one before Run has listed the branches would say it judges
	// none yet: wait until the judge is held reading the results, with a
	// bound that only stops a broken test.
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		if _, of := e.Judging(); e.Running() && of > 0 {
			break
		}
		runtime.Gosched()
	}
	w := get()
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), "judging 1 branches") {
		t.Fatalf("while judging: %d %q %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	close(st.held)
	<-e.Started()
	if w = get(); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "connection refused") {
		t.Fatalf("after judging: %d %.300s", w.Code, w.Body)
	}
}
