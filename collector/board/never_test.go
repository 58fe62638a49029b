package board

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
)

// registeredBank is a bank in which "new-01" (region north) is registered
// and has never reported, and "lon-01" has reported.
type registeredBank struct{ *memBank }

func (r registeredBank) RegisteredBranch(_ context.Context, id string) (store.RegisteredBranch, error) {
	if id != "new-01" {
		return store.RegisteredBranch{}, store.ErrNotFound
	}
	return store.RegisteredBranch{ID: id, Name: "Harbour <Road>", Region: "north", Created: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}, nil
}

func TestARegisteredBranchThatNeverReportedHasAPageSayingSo(t *testing.T) {
	now := london("08:30")
	st := registeredBank{&memBank{byID: map[string]int{"lon-01": 0}, list: []store.Branch{{ID: "lon-01", Contact: store.Contact{At: now}}}}}
	tests := []struct {
		name, path string
		who        auth.Person
		code       int
		want       string
	}{
		{name: "operations see it registered and never reported", path: "/branches/new-01", who: auth.Person{Name: "amira", Role: auth.Operations},
			code: http.StatusOK, want: "never reported"},
		{name: "its region's manager sees it too", path: "/branches/new-01", who: auth.Person{Name: "rui", Role: auth.RegionManager, Regions: []string{"north"}},
			code: http.StatusOK, want: "registered 2026-11-20 09:00 UTC"},
		{name: "another region's manager does not", path: "/branches/new-01", who: auth.Person{Name: "sam", Role: auth.RegionManager, Regions: []string{"south"}},
			code: http.StatusNotFound, want: "no such branch"},
		{name: "a branch neither registered nor reporting is no such branch", path: "/branches/nowhere", who: auth.Person{Name: "amira", Role: auth.Operations},
			code: http.StatusNotFound, want: "no such branch"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := &readiness.Engine{Store: st, Now: func() time.Time { return now }}
			mux := http.NewServeMux()
			Register(mux, e, st, func() time.Time { return now }, slog.New(slog.DiscardHandler), loggedInAs(tc.who))
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, httptest.NewRequest("GET", tc.path, nil))
			if w.Code != tc.code || !strings.Contains(w.Body.String(), tc.want) {
				t.Errorf("GET %s: %d, want %d with %q:\n%s", tc.path, w.Code, tc.code, tc.want, w.Body)
			}
			if tc.code == http.StatusOK && !strings.Contains(w.Body.String(), "Harbour &lt;Road&gt;") {
				t.Errorf("the page does not name the branch (escaped):\n%s", w.Body)
			}
		})
	}
}
