package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

func TestMaintenanceWindowsThroughTheAPI(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "api.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.PutBranch(ctx, "b1", &result.Descriptor{Name: "b1", Region: "north"}, store.Contact{}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	changes := 0
	mux := http.NewServeMux()
	login := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r.WithContext(auth.WithPerson(r.Context(), auth.Person{Name: "olga", Role: auth.Operations})))
		})
	}
	RegisterMaintenance(mux, st, st, func() { changes++ }, func() time.Time { return now }, slog.New(slog.DiscardHandler), login)
	do := func(method, path, body string) (int, string) {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	for _, c := range []struct{ name, body, want string }{
		{"a window without a reason is refused", `{"branch":"b1","start":"2026-03-09 07:00","end":"2026-03-09 10:00"}`, "say why"},
		{"a window naming both a branch and a region is refused", `{"branch":"b1","region":"north","start":"2026-03-09 07:00","end":"2026-03-09 10:00","comment":"x"}`, "either a branch or a region"},
		{"a window with its end before its start is refused", `{"branch":"b1","start":"2026-03-09 10:00","end":"2026-03-09 07:00","comment":"x"}`, "end"},
		{"a window of an unknown branch is refused", `{"branch":"b9","start":"2026-03-09 07:00","end":"2026-03-09 10:00","comment":"x"}`, "b9"},
		{"a recurring window with a bad duration is refused", `{"region":"north","weekday":"sun","at":"02:00","for":"soon","comment":"x"}`, "for"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, body := do(http.MethodPost, "/api/v1/maintenance", c.body)
			if code != http.StatusBadRequest || !strings.Contains(body, c.want) {
				t.Errorf("%d %s; want 400 mentioning %q", code, body, c.want)
			}
		})
	}
	code, body := do(http.MethodPost, "/api/v1/maintenance", `{"branch":"b1","start":"2026-03-09 07:00","end":"2026-03-09 10:00","comment":"ATM swap"}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	var made struct{ Maintenance store.MaintenanceRecord }
	if err := json.Unmarshal([]byte(body), &made); err != nil {
		t.Fatal(err)
	}
	m := made.Maintenance
	if m.ID == "" || m.CreatedBy != "olga" || m.Comment != "ATM swap" || !m.CreatedAt.Equal(now) || len(m.Window.Devices) != 0 {
		t.Errorf("created %+v; want an id, made by olga now, why kept, every device", m)
	}
	if _, body := do(http.MethodGet, "/api/v1/maintenance", ""); !strings.Contains(body, m.ID) {
		t.Errorf("the list lacks the new window: %s", body)
	}
	if code, body := do(http.MethodDelete, "/api/v1/maintenance/"+m.ID, ""); code != http.StatusOK {
		t.Fatalf("delete: %d %s", code, body)
	}
	if code, _ := do(http.MethodDelete, "/api/v1/maintenance/"+m.ID, ""); code != http.StatusNotFound {
		t.Errorf("deleting again: %d, want 404", code)
	}
	if _, body := do(http.MethodGet, "/api/v1/maintenance", ""); strings.Contains(body, m.ID) {
		t.Errorf("the list still shows the deleted window: %s", body)
	}
	if _, body := do(http.MethodGet, "/api/v1/maintenance?all=1", ""); !strings.Contains(body, `"deleted_by": "olga"`) {
		t.Errorf("all=1 does not show the deleted window with who deleted it: %s", body)
	}
	if changes != 2 {
		t.Errorf("judgements were dropped %d times, want 2 (one create, one delete)", changes)
	}
}
