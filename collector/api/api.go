package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
)

// Register adds the API routes to mux. wrap guards them (login); each
// route then checks the person's role and scope: the branch list holds
// only the branches in scope, and a branch out of scope is answered 404 as
// one that does not exist.
func Register(mux auth.Mux, e *readiness.Engine, st Confirmations, now func() time.Time, log *slog.Logger, wrap func(http.Handler) http.Handler) {
	registerConfirmations(mux, st, now, wrap)
	list := &listCache{}
	mux.Handle("GET /api/v1/branches", wrap(auth.Allow(auth.View, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		snap, err := e.Snapshot(r.Context())
		var body []byte
		if err == nil {
			body, err = list.encode(e, snap, Person(r))
		}
		if err != nil {
			log.Error("list branches", "err", err)
			writeError(w, http.StatusInternalServerError, "cannot list branches")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	}))))
	mux.Handle("GET /api/v1/branches/{id}", wrap(auth.Allow(auth.View, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := Sees(r.Context(), st, Person(r), r.PathValue("id"))
		var s readiness.BranchStatus
		if err == nil {
			s, err = e.One(r.Context(), r.PathValue("id"), r.URL.Query().Get("date"))
		}
		switch {
		case errors.Is(err, store.ErrNotFound):
			writeError(w, http.StatusNotFound, "no branch "+r.PathValue("id"))
		case err != nil:
			log.Error("branch status", "branch", r.PathValue("id"), "err", err)
			writeError(w, http.StatusBadRequest, err.Error())
		default:
			writeJSON(w, http.StatusOK, s)
		}
	}))))
}

// InScope keeps the branches p covers.
func InScope(p auth.Person, all []readiness.BranchStatus) []readiness.BranchStatus {
	out := make([]readiness.BranchStatus, 0, len(all))
	for _, b := range all {
		if p.Covers(b.ID, b.Region) {
			out = append(out, b)
		}
	}
	return out
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
