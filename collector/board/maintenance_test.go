package board

import (
	"context"
	"io"
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

// windowStore adds maintenance windows, kept in memory, to the fake store.
type windowStore struct {
	*fakeStore
	ws []store.MaintenanceRecord
}

func (s *windowStore) PutMaintenance(_ context.Context, m store.MaintenanceRecord) error {
	s.ws = append(s.ws, m)
	return nil
}

func (s *windowStore) MaintenanceWindows(context.Context) ([]store.MaintenanceRecord, error) {
	return s.ws, nil
}

func (s *windowStore) DeleteMaintenance(_ context.Context, id, by string, at time.Time) error {
	for i := range s.ws {
		if s.ws[i].ID == id && s.ws[i].DeletedAt.IsZero() {
			s.ws[i].DeletedBy, s.ws[i].DeletedAt = by, at
			return nil
		}
	}
	return store.ErrNotFound
}

// Tuesday 09:30 in London: the ATM failed through the 08:45 deadline.
// Operations put the whole branch in maintenance for the morning on the
// board: the branch page then says maintenance, and the list shows the
// window with who made it and why; deleting it brings the verdict back.
func TestAWindowMadeOnTheBoardPutsTheBranchInMaintenance(t *testing.T) {
	now := london("09:30")
	_, fake := board(t, now)
	st := &windowStore{fakeStore: fake}
	e := &readiness.Engine{Store: st, Now: func() time.Time { return now }}
	mux := http.NewServeMux()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	login := loggedInAs(auth.Person{Name: "olga", Role: auth.Operations})
	Register(mux, e, st, func() time.Time { return now }, log, login)
	RegisterMaintenance(mux, st, st, e.InvalidateAll, func() time.Time { return now }, log, login)

	if page := get(t, mux, "/branches/lon"); !strings.Contains(page, `class="v not_ready"`) || !strings.Contains(page, `href="/maintenance?branch=lon"`) {
		t.Fatalf("before the window the branch page should say not ready and link to maintenance:\n%s", page)
	}
	r := httptest.NewRequest(http.MethodPost, "/maintenance", strings.NewReader("branch=lon&start=2026-11-24T07:00&end=2026-11-24T12:00&comment=branch+refit"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", "http://"+r.Host)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("POST /maintenance: %d %s", w.Code, w.Body)
	}
	if page := get(t, mux, "/branches/lon"); !strings.Contains(page, `class="v maintenance"`) {
		t.Errorf("with the whole branch in maintenance the page should say so:\n%s", page)
	}
	list := get(t, mux, "/maintenance")
	for _, want := range []string{"olga", "branch refit", "every device", "2026-11-24 07:00 – 2026-11-24 12:00"} {
		if !strings.Contains(list, want) {
			t.Errorf("the maintenance page lacks %q:\n%s", want, list)
		}
	}
	r = httptest.NewRequest(http.MethodPost, "/maintenance/"+st.ws[0].ID+"/delete", nil)
	r.Header.Set("Origin", "http://"+r.Host)
	w = httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther || st.ws[0].DeletedBy != "olga" {
		t.Fatalf("delete: %d %s, window %+v", w.Code, w.Body, st.ws[0])
	}
	if page := get(t, mux, "/branches/lon"); !strings.Contains(page, `class="v not_ready"`) {
		t.Errorf("after deleting the window the branch should be judged again (not ready)")
	}
}
