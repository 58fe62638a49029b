package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
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
	// Submit has the alert engine, wherever it runs, apply a person's
	// change of an incident; alerting.ErrQueued when it is kept for later.
	Submit(ctx context.Context, c alerting.Command) error
	CreateSilence(ctx context.Context, in alerting.SilenceInput, by string) (alerts.Silence, error)
	ExpireSilence(ctx context.Context, id, by string) error
	DeleteSilence(ctx context.Context, id, by string) error
	Silences(ctx context.Context, since time.Time) ([]alerts.Silence, error)
	// Muter describes, in words, the silence or maintenance window an
	// incident's MutedBy names.
	Muter(ctx context.Context, id string) string
}

// RegisterAlerts adds the incident and silence routes:
//
//	GET    /api/v1/incidents[?resolved_since=RFC3339]   open incidents and recently resolved ones
//	GET    /api/v1/incidents/{id}                       one incident and every notification it decided
//	POST   /api/v1/incidents/{id}/ack | /unack          {"by"?} — by defaults to the logged-in user
//	POST   /api/v1/incidents/{id}/snooze                {"for": "30m"}
//
// The three changes work on any collector: they are queued in the store
// and applied once by the collector that runs the alert engine. The answer
// is 200 once applied, 404 when the incident is not open, 202 when the
// engine did not answer within a few seconds (no collector leads right
// now): the change is kept and applies when one does. An Idempotency-Key
// header makes a retried request one change.
//
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
	act := func(action string) http.HandlerFunc {
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
			c := alerting.Command{Incident: r.PathValue("id"), Action: action, By: by, Key: IdempotencyKey(r)}
			if action == alerting.ActSnooze {
				d, err := time.ParseDuration(body.For)
				if err != nil {
					writeError(w, http.StatusBadRequest, `for: want a duration such as "30m" or "2h"`)
					return
				}
				c.Snooze = d
			}
			err := IncidentInScope(r.Context(), a, dir, Person(r), c.Incident)
			if err == nil {
				err = a.Submit(r.Context(), c)
			}
			switch {
			case errors.Is(err, store.ErrNotFound):
				writeError(w, http.StatusNotFound, "no incident "+c.Incident)
			case errors.Is(err, alerting.ErrUnknownIncident):
				writeError(w, http.StatusNotFound, "no open incident "+c.Incident+" (resolved already?)")
			case errors.Is(err, alerting.ErrQueued):
				writeJSON(w, http.StatusAccepted, map[string]string{"status": "accepted", "by": by,
					"message": "accepted, will apply when the alert engine is available"})
			case err != nil:
				writeError(w, http.StatusBadRequest, err.Error())
			default:
				writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "by": by})
			}
		}
	}
	h("POST /api/v1/incidents/{id}/ack", auth.Acknowledge, act(alerting.ActAck))
	h("POST /api/v1/incidents/{id}/unack", auth.Acknowledge, act(alerting.ActUnack))
	h("POST /api/v1/incidents/{id}/snooze", auth.Acknowledge, act(alerting.ActSnooze))
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

// IdempotencyKey names a request's change of an incident by the client's
// Idempotency-Key header, scoped to the person so that one person's key
// never answers for another's; "" (a fresh key) without the header.
func IdempotencyKey(r *http.Request) string {
	k := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if k == "" || len(k) > 200 {
		return ""
	}
	return "http:" + User(r) + ":" + k
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
