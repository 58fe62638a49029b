package api

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store"
)

// RegisterMaintenance adds the maintenance window routes:
//
//	GET    /api/v1/maintenance[?all=1]   live windows in scope, newest first (all: deleted ones too)
//	POST   /api/v1/maintenance           {"branch"|"region", "devices"?, "start","end" | "weekday","nth"?,"at","for", "timezone"?, "comment"}
//	DELETE /api/v1/maintenance/{id}
//
// Making and deleting takes the silence grant and its scope rules: region
// managers within their regions, operations anywhere. changed is called
// after each change, so that cached judgements are made again.
func RegisterMaintenance(mux auth.Mux, st store.Maintenance, dir Directory, changed func(), now func() time.Time, log *slog.Logger, wrap func(http.Handler) http.Handler) {
	h := func(pattern string, act auth.Action, f http.HandlerFunc) {
		mux.Handle(pattern, wrap(auth.Allow(act, f)))
	}
	h("GET /api/v1/maintenance", auth.View, func(w http.ResponseWriter, r *http.Request) {
		ws, err := VisibleMaintenance(r.Context(), st, dir, Person(r), r.URL.Query().Get("all") == "1")
		if err != nil {
			log.Error("list maintenance windows", "err", err)
			writeError(w, http.StatusInternalServerError, "cannot list maintenance windows")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"maintenance": ws})
	})
	h("POST /api/v1/maintenance", auth.Silence, func(w http.ResponseWriter, r *http.Request) {
		var in MaintenanceInput
		if err := decodeJSON(r, &in); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		m, err := CreateMaintenance(r.Context(), st, dir, Person(r), in, now())
		switch {
		case errors.Is(err, ErrMaintenanceScope):
			writeError(w, http.StatusForbidden, "window not created: "+err.Error())
		case errors.Is(err, ErrMaintenanceInput):
			writeError(w, http.StatusBadRequest, "window not created: "+err.Error())
		case err != nil:
			log.Error("create maintenance window", "err", err)
			writeError(w, http.StatusInternalServerError, "cannot store the window")
		default:
			changed()
			writeJSON(w, http.StatusCreated, map[string]any{"maintenance": m})
		}
	})
	h("DELETE /api/v1/maintenance/{id}", auth.Silence, func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		err := DeleteMaintenance(r.Context(), st, dir, Person(r), id, now())
		switch {
		case errors.Is(err, store.ErrNotFound):
			writeError(w, http.StatusNotFound, "no maintenance window "+id)
		case errors.Is(err, ErrMaintenanceScope):
			writeError(w, http.StatusForbidden, err.Error())
		case err != nil:
			log.Error("delete maintenance window", "window", id, "err", err)
			writeError(w, http.StatusInternalServerError, "cannot delete the window")
		default:
			changed()
			writeJSON(w, http.StatusOK, map[string]string{"status": "deleted", "by": User(r)})
		}
	})
}
