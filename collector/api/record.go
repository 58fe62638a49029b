package api

import (
	"errors"
	"github.com/branchready/branchready/collector/auth"
	"log/slog"
	"net/http"
	"time"

	"github.com/branchready/branchready/collector/sla/record"
	"github.com/branchready/branchready/collector/store"
)

// RegisterRecord adds GET /api/v1/branches/{id}/record?date=YYYY-MM-DD,
// guarded by wrap (login): the branch-day's signed pre-opening record, the
// file `branchready-collector verify-record` checks. Without a signing key
// (maker.Key nil) it answers 503 naming the setting.
func RegisterRecord(mux auth.Mux, maker record.Maker, dir Directory, log *slog.Logger, wrap func(http.Handler) http.Handler) {
	mux.Handle("GET /api/v1/branches/{id}/record", wrap(auth.Allow(auth.View, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, file, code, msg := MakeRecord(r, maker, dir, log)
		if code != http.StatusOK {
			writeError(w, code, msg)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Disposition", `attachment; filename="record-`+r.PathValue("id")+"-"+r.URL.Query().Get("date")+`.json"`)
		_, _ = w.Write(file)
	}))))
}

// MakeRecord makes the record a request asks for (path value id, query
// date), returning an HTTP status and message when it cannot; the board's
// printable view shares it.
func MakeRecord(r *http.Request, maker record.Maker, dir Directory, log *slog.Logger) (record.Record, []byte, int, string) {
	if err := Sees(r.Context(), dir, Person(r), r.PathValue("id")); err != nil {
		return record.Record{}, nil, http.StatusNotFound, "no branch " + r.PathValue("id")
	}
	if maker.Key == nil {
		return record.Record{}, nil, http.StatusServiceUnavailable, "pre-opening records are not signed here: set records.signing_key_file in the collector config"
	}
	date := r.URL.Query().Get("date")
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return record.Record{}, nil, http.StatusBadRequest, `date "` + date + `": must be a date YYYY-MM-DD`
	}
	rec, file, err := maker.Make(r.Context(), r.PathValue("id"), date)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return rec, nil, http.StatusNotFound, "unknown branch " + r.PathValue("id")
	case errors.Is(err, record.ErrNotYet):
		return rec, nil, http.StatusConflict, "the record of " + date + " is made once its deadline has passed"
	case err != nil:
		log.Error("pre-opening record", "branch", r.PathValue("id"), "date", date, "err", err)
		return rec, nil, http.StatusInternalServerError, "cannot make the record"
	}
	return rec, file, http.StatusOK, ""
}
