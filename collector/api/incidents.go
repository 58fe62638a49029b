package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/collector/alerting"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store"
)

// Alerting is what the incident and silence routes need of the alert engine.
type Alerting interface {
	Incidents(ctx context.Context, since time.Time) ([]alerts.Incident, error)
	Incident(ctx context.Context, id string) (alerts.Incident, []alerting.OutboxEntry, error)
	Ack(ctx context.Context, id, by string) error
	Unack(ctx context.Context, id, by string) error
	Snooze(ctx context.Context, id, by string, d time.Duration) error
	CreateSilence(ctx context.Context, in alerting.SilenceInput, by string) (alerts.Silence, error)
	ExpireSilence(ctx context.Context, id, by string) error
	DeleteSilence(ctx context.Context, id, by string) error
	Silences(ctx context.Context, since time.Time) ([]alerts.Silence, error)
}

// RegisterAlerts adds the incident and silence routes:
//
//	GET    /api/v1/incidents[?resolved_since=RFC3339]   open incidents and recently resolved ones
//	GET    /api/v1/incidents/{id}                       one incident and every notification it decided
//	POST   /api/v1/incidents/{id}/ack | /unack          {"by"?} — by defaults to the logged-in user
//	POST   /api/v1/incidents/{id}/snooze                {"for": "30m"}
//	GET    /api/v1/silences[?all=1]                     active and future silences (all: expired too)
//	POST   /api/v1/silences                             {"matcher":{...},"start","end","comment"}
//	POST   /api/v1/silences/{id}/expire, DELETE /api/v1/silences/{id}
//
// Each lists and acts within the person's scope (dir names each branch's
// region): an incident of a branch out of scope is 404, as is a silence
// that cannot touch one; acting without the role is 403.
func RegisterAlerts(mux auth.Mux, a Alerting, dir Directory, now func() time.Time, log *slog.Logger, wrap func(http.Handler) http.Handler) {
	h := func(pattern string, act auth.Action, f http.HandlerFunc) {
		mux.Handle(pattern, wrap(auth.Allow(act, f)))
	}
	h("GET /api/v1/incidents", auth.View, func(w http.ResponseWriter, r *http.Request) {
		since := now().Add(-24 * time.Hour)
		if v := r.URL.Query().Get("resolved_since"); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeError(w, http.StatusBadRequest, "resolved_since: want an RFC 3339 time such as 2026-11-26T07:00:00Z")
				return
			}
			since = t
		}
		incs, err := VisibleIncidents(r.Context(), a, dir, Person(r), since)
		if err != nil {
			log.Error("list incidents", "err", err)
			writeError(w, http.StatusInternalServerError, "cannot list incidents")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"incidents": incs})
	})
	h("GET /api/v1/incidents/{id}", auth.View, func(w http.ResponseWriter, r *http.Request) {
		inc, sent, err := a.Incident(r.Context(), r.PathValue("id"))
		if err == nil {
			err = Sees(r.Context(), dir, Person(r), inc.Key.Branch)
		}
		if errors.Is(err, store.ErrNotFound) {
			writeError(w, http.StatusNotFound, "no incident "+r.PathValue("id"))
			return
		}
		if err != nil {
			log.Error("incident", "incident", r.PathValue("id"), "err", err)
			writeError(w, http.StatusInternalServerError, "cannot read the incident")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"incident": inc, "notifications": sent})
	})
	type who struct {
		By  string `json:"by"`
		For string `json:"for"`
	}
	act := func(f func(ctx context.Context, id, by string, body who) error) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			var body who
			if r.ContentLength != 0 {
				if err := decodeJSON(r, &body); err != nil {
					writeError(w, http.StatusBadRequest, err.Error())
					return
				}
			}
			by := User(r)
			if body.By != "" {
				by = body.By + " (via " + by + ")"
			}
			err := IncidentInScope(r.Context(), a, dir, Person(r), r.PathValue("id"))
			if err == nil {
				err = f(r.Context(), r.PathValue("id"), by, body)
			}
			switch {
			case errors.Is(err, store.ErrNotFound):
				writeError(w, http.StatusNotFound, "no incident "+r.PathValue("id"))
			case errors.Is(err, alerting.ErrUnknownIncident):
				writeError(w, http.StatusNotFound, "no open incident "+r.PathValue("id")+" (resolved already?)")
			case err != nil:
				writeError(w, http.StatusBadRequest, err.Error())
			default:
				writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "by": by})
			}
		}
	}
	h("POST /api/v1/incidents/{id}/ack", auth.Acknowledge, act(func(ctx context.Context, id, by string, _ who) error { return a.Ack(ctx, id, by) }))
	h("POST /api/v1/incidents/{id}/unack", auth.Acknowledge, act(func(ctx context.Context, id, by string, _ who) error { return a.Unack(ctx, id, by) }))
	h("POST /api/v1/incidents/{id}/snooze", auth.Acknowledge, act(func(ctx context.Context, id, by string, b who) error {
		d, err := time.ParseDuration(b.For)
		if err != nil {
			return errors.New(`for: want a duration such as "30m" or "2h"`)
		}
		return a.Snooze(ctx, id, by, d)
	}))
	h("GET /api/v1/silences", auth.View, func(w http.ResponseWriter, r *http.Request) {
		since := now()
		if r.URL.Query().Get("all") != "" {
			since = time.Time{}
		}
		ss, err := VisibleSilences(r.Context(), a, dir, Person(r), since)
		if err != nil {
			log.Error("list silences", "err", err)
			writeError(w, http.StatusInternalServerError, "cannot list silences")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"silences": ss})
	})
	h("POST /api/v1/silences", auth.Silence, func(w http.ResponseWriter, r *http.Request) {
		var in alerting.SilenceInput
		if err := decodeJSON(r, &in); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		if err := MaySilence(r.Context(), dir, Person(r), in.Matcher); err != nil {
			writeError(w, http.StatusForbidden, "silence not created: "+err.Error())
			return
		}
		s, err := a.CreateSilence(r.Context(), in, User(r))
		if err != nil {
			writeError(w, http.StatusBadRequest, "silence not created: "+err.Error())
			return
		}
		writeJSON(w, http.StatusCreated, s)
	})
	silence := func(f func(ctx context.Context, id, by string) error) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			err := SilenceInScope(r.Context(), a, dir, Person(r), r.PathValue("id"))
			if err == nil {
				err = f(r.Context(), r.PathValue("id"), User(r))
			}
			switch {
			case errors.Is(err, store.ErrNotFound):
				writeError(w, http.StatusNotFound, "no silence "+r.PathValue("id"))
			case errors.Is(err, ErrSilenceScope):
				writeError(w, http.StatusForbidden, "not changed: "+err.Error())
			case err != nil:
				log.Error("silence", "silence", r.PathValue("id"), "err", err)
				writeError(w, http.StatusInternalServerError, "cannot change the silence")
			default:
				writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
			}
		}
	}
	h("POST /api/v1/silences/{id}/expire", auth.Silence, silence(a.ExpireSilence))
	h("DELETE /api/v1/silences/{id}", auth.Silence, silence(a.DeleteSilence))
}

// decodeJSON reads a small JSON body strictly.
func decodeJSON(r *http.Request, v any) error {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		return errors.New("send Content-Type: application/json")
	}
	dec := jsonDecoder(http.MaxBytesReader(nil, r.Body, 64<<10))
	if err := dec.Decode(v); err != nil {
		return errors.New("the body is not the JSON expected: " + err.Error())
	}
	return nil
}

func jsonDecoder(r io.Reader) *json.Decoder {
	d := json.NewDecoder(r)
	d.DisallowUnknownFields()
	return d
}
