package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
)

// Register adds the API routes to mux. wrap guards them (login).
func Register(mux *http.ServeMux, e *readiness.Engine, st Confirmations, now func() time.Time, log *slog.Logger, wrap func(http.Handler) http.Handler) {
	registerConfirmations(mux, st, now, wrap)
	mux.Handle("GET /api/v1/branches", wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		all, err := e.All(r.Context())
		if err != nil {
			log.Error("list branches", "err", err)
			writeError(w, http.StatusInternalServerError, "cannot list branches")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"branches": all})
	})))
	mux.Handle("GET /api/v1/branches/{id}", wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := e.One(r.Context(), r.PathValue("id"), r.URL.Query().Get("date"))
		switch {
		case errors.Is(err, store.ErrNotFound):
			writeError(w, http.StatusNotFound, "no branch "+r.PathValue("id"))
		case err != nil:
			log.Error("branch status", "branch", r.PathValue("id"), "err", err)
			writeError(w, http.StatusBadRequest, err.Error())
		default:
			writeJSON(w, http.StatusOK, s)
		}
	})))
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
