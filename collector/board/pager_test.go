package board

import (
	"context"
	"fmt"
	"github.com/branchready/branchready/collector/auth"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// bankStore is many London branches with one blocking ATM each.
type bankStore struct {
	fakeStore
	branches []store.Branch
	results  map[string][]result.Result
}

func (b *bankStore) Branches(context.Context) ([]store.Branch, error) { return b.branches, nil }
func (b *bankStore) Branch(_ context.Context, id string) (store.Branch, error) {
	for _, br := range b.branches {
		if br.ID == id {
			return br, nil
		}
	}
	return store.Branch{}, store.ErrNotFound
}
func (b *bankStore) Results(_ context.Context, id string, _, _ time.Time) ([]result.Result, error) {
	return b.results[id], nil
}

// bank serves a board of n branches at 08:30 London time: region "north"
// for even numbers, "south" for odd; the ATM of every branch in failing
// fails (not ready), the others pass (ready).
func bank(t *testing.T, n int, failing map[int]bool) http.Handler {
	t.Helper()
	week := "09:00-17:00"
	now := london("08:30")
	st := &bankStore{results: map[string][]result.Result{}}
	for i := range n {
		id := fmt.Sprintf("b%04d", i)
		region := map[bool]string{true: "north", false: "south"}[i%2 == 0]
		d := &result.Descriptor{Name: "Branch " + id, Region: region, Calendar: calendar.Spec{Timezone: "Europe/London",
			Hours: calendar.Week{Mon: week, Tue: week, Wed: week, Thu: week, Fri: week}},
			Devices: []result.Device{{ID: "atm-01", Kind: "atm", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}}}}
		st.branches = append(st.branches, store.Branch{ID: id, Descriptor: d, Contact: store.Contact{At: now}})
		status := result.StatusOK
		if failing[i] {
			status = result.StatusFail
		}
		st.results[id] = []result.Result{{ID: id, Branch: id, Device: "atm-01", Check: "reachable", Kind: "tcp", Status: status,
			StartedAt: london("08:20"), Reason: string(status)}}
	}
	e := &readiness.Engine{Store: st, Now: func() time.Time { return now }}
	mux := http.NewServeMux()
	Register(mux, e, st, func() time.Time { return now }, slog.New(slog.DiscardHandler),
		loggedInAs(auth.Person{Name: "amira", Role: auth.Operations}))
	return mux
}

var listed = regexp.MustCompile(`<tr>\s*<td><a href="/branches/(b\d+)">`)

// shown returns the ids of the branches a board page lists, in order.
func shown(body string) []string {
	var ids []string
	for _, m := range listed.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func TestTheBoardListsABankAPageAtATimeWithTheBranchesNeedingAttentionFirst(t *testing.T) {
	h := bank(t, 450, map[int]bool{7: true, 300: true, 449: true})
	tests := []struct {
		name, path       string
		wantRows         int
		wantFirst        []string
		wantText, noText []string
	}{
		{name: "the first page lists 200 branches, the not ready ones at the top", path: "/", wantRows: 200,
			wantFirst: []string{"b0007", "b0300", "b0449", "b0000"},
			wantText:  []string{"branches 1–200 of 450", `href="/?page=2" rel="next"`, "page 1 of 3"}, noText: []string{`rel="prev"`}},
		{name: "the last page lists the rest and links back", path: "/?page=3", wantRows: 50,
			wantText: []string{"branches 401–450 of 450", `href="/?page=2" rel="prev"`}, noText: []string{`rel="next"`}},
		{name: "a page past the last shows the last", path: "/?page=99", wantRows: 50, wantText: []string{"page 3 of 3"}},
		{name: "every page counts every branch", path: "/?page=2", wantRows: 200,
			wantText: []string{">450 branches</a>", ">3 not ready</a>", ">447 ready</a>"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := get(t, h, tc.path)
			ids := shown(body)
			if len(ids) != tc.wantRows {
				t.Errorf("%d branches listed, want %d", len(ids), tc.wantRows)
			}
			for i, id := range tc.wantFirst {
				if i >= len(ids) || ids[i] != id {
					t.Errorf("the page begins %v, want %v", ids[:min(len(ids), len(tc.wantFirst))], tc.wantFirst)
					break
				}
			}
			for _, s := range tc.wantText {
				if !strings.Contains(body, s) {
					t.Errorf("the page does not show %q", s)
				}
			}
			for _, s := range tc.noText {
				if strings.Contains(body, s) {
					t.Errorf("the page shows %q", s)
				}
			}
		})
	}
}

func TestTheBoardFiltersByRegionAndVerdict(t *testing.T) {
	h := bank(t, 450, map[int]bool{7: true, 300: true, 449: true})
	tests := []struct {
		name, path string
		want       []string
		wantText   string
	}{
		{name: "not ready in the north is the one even branch failing", path: "/?region=north&verdict=not_ready",
			want: []string{"b0300"}, wantText: "branches 1–1 of 1 matching"},
		{name: "not ready anywhere is all three", path: "/?verdict=not_ready", want: []string{"b0007", "b0300", "b0449"}},
		{name: "a region with nothing of that verdict lists nothing and says so", path: "/?region=east&verdict=ready",
			wantText: "No branch matches these filters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := get(t, h, tc.path)
			if got := shown(body); strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("listed %v, want %v", got, tc.want)
			}
			if !strings.Contains(body, tc.wantText) {
				t.Errorf("the page does not say %q", tc.wantText)
			}
			if !strings.Contains(body, ">450 branches</a>") || !strings.Contains(body, ">3 not ready</a>") {
				t.Error("a filtered page's counts bar does not count every branch")
			}
		})
	}
	t.Run("a filtered page's next link keeps the filters", func(t *testing.T) {
		body := get(t, h, "/?region=south&verdict=ready")
		if !strings.Contains(body, `href="/?page=2&amp;region=south&amp;verdict=ready" rel="next"`) {
			t.Errorf("no next link keeping region and verdict:\n%.3000s", body)
		}
	})
}

func TestTheBoardRefusesAFilterItDoesNotKnow(t *testing.T) {
	h := bank(t, 3, nil)
	for _, path := range []string{"/?verdict=green", "/?page=0", "/?page=two"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400 Bad Request", path, w.Code)
		}
	}
}
