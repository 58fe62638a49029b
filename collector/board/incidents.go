package board

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/collector/alerting"
	"github.com/branchready/branchready/collector/api"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store"
)

// alertFuncs are the template functions of the incident and silence pages.
var alertFuncs = template.FuncMap{
	"what": func(inc alerts.Incident) string {
		switch inc.Kind {
		case alerts.KindUnreachable:
			return inc.Key.Branch + " unreachable"
		case alerts.KindAgentSilent:
			return inc.Key.Branch + " agent silent"
		}
		return inc.Key.Device + " · " + inc.Key.Check
	},
	"stamp": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.UTC().Format("Jan 2 15:04 UTC")
	},
	"stateClass": func(s alerts.State) string {
		switch s {
		case alerts.Firing:
			return "fail"
		case alerts.Pending:
			return "degraded"
		}
		return "ok"
	},
	"matcher": func(m alerts.Matcher) string {
		var parts []string
		for _, kv := range [][2]string{{"branch", m.Branch}, {"region", m.Region}, {"device", m.Device}, {"check", m.Check}} {
			if kv[1] != "" {
				parts = append(parts, kv[0]+"="+kv[1])
			}
		}
		return strings.Join(parts, " ")
	},
}

// RegisterAlerts adds the incident and silence pages. problems, when set,
// reports notifier configuration errors (invalid token, unknown channel).
// Pages list what lies in the person's scope (dir names each branch's
// region), as the API does.
func RegisterAlerts(mux auth.Mux, a api.Alerting, dir api.Directory, problems func() []string, now func() time.Time, log *slog.Logger,
	wrap func(http.Handler) http.Handler) {
	h := func(pattern string, act auth.Action, f http.HandlerFunc) {
		mux.Handle(pattern, wrap(auth.Allow(act, f)))
	}
	h("GET /incidents", auth.View, func(w http.ResponseWriter, r *http.Request) {
		incs, err := api.VisibleIncidents(r.Context(), a, dir, api.Person(r), now().Add(-24*time.Hour))
		if err != nil {
			log.Error("incidents page", "err", err)
			http.Error(w, "cannot load incidents", http.StatusInternalServerError)
			return
		}
		d := map[string]any{"Incidents": incs}
		var open, firing, acked, muted int
		for _, inc := range incs {
			if inc.Open() {
				open++
				if inc.State == alerts.Firing {
					firing++
				}
				if inc.AckedBy != "" {
					acked++
				}
				if inc.MutedBy != "" || inc.SuppressedBy != "" {
					muted++
				}
			}
		}
		d["Open"], d["Firing"], d["Acked"], d["Muted"] = open, firing, acked, muted
		if problems != nil && api.Person(r).Everywhere() {
			d["Problems"] = problems()
		}
		render(w, log, "incidents.html", d)
	})
	h("GET /incidents/{id}", auth.View, func(w http.ResponseWriter, r *http.Request) {
		inc, sent, err := a.Incident(r.Context(), r.PathValue("id"))
		if err == nil {
			err = api.Sees(r.Context(), dir, api.Person(r), inc.Key.Branch)
		}
		if errors.Is(err, store.ErrNotFound) {
			http.Error(w, "no such incident", http.StatusNotFound)
			return
		}
		if err != nil {
			log.Error("incident page", "err", err)
			http.Error(w, "cannot load the incident", http.StatusInternalServerError)
			return
		}
		muter := a.Muter(r.Context(), inc.MutedBy)
		render(w, log, "incident.html", map[string]any{"Incident": inc, "Sent": sent, "Open": inc.Open(),
			"CanAck": api.Person(r).Role.Can(auth.Acknowledge), "Nonce": nonce(), "Queued": r.URL.Query().Get("queued") != "",
			"Muter": muter, "InMaintenance": strings.HasPrefix(muter, "maintenance window")})
	})
	h("POST /incidents/{id}/act", auth.Acknowledge, func(w http.ResponseWriter, r *http.Request) {
		if !sameOrigin(r) {
			http.Error(w, "cross-site form posts are refused", http.StatusForbidden)
			return
		}
		id, by := r.PathValue("id"), api.User(r)
		if err := api.IncidentInScope(r.Context(), a, dir, api.Person(r), id); err != nil {
			notFound(w, "incident", err)
			return
		}
		c, ok := boardCommand(r.FormValue("do"))
		if !ok {
			http.Error(w, "not done: unknown action", http.StatusBadRequest)
			return
		}
		c.Incident, c.By = id, by
		if n := r.FormValue("nonce"); n != "" && len(n) <= 64 {
			// The page's nonce: a double click or a re-sent form is one change.
			c.Key = "board:" + by + ":" + n + ":" + r.FormValue("do")
		}
		err := a.Submit(r.Context(), c)
		switch {
		case errors.Is(err, alerting.ErrQueued):
			http.Redirect(w, r, "/incidents/"+url.PathEscape(id)+"?queued=1", http.StatusSeeOther)
		case err != nil:
			http.Error(w, "not done: "+err.Error(), http.StatusBadRequest)
		default:
			http.Redirect(w, r, "/incidents/"+url.PathEscape(id), http.StatusSeeOther)
		}
	})
	silences := func(w http.ResponseWriter, r *http.Request, msg string, code int) {
		ss, err := api.VisibleSilences(r.Context(), a, dir, api.Person(r), now())
		if err != nil {
			log.Error("silences page", "err", err)
			http.Error(w, "cannot load silences", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(code)
		render(w, log, "silences.html", map[string]any{"Silences": ss, "Error": msg, "CanSilence": api.Person(r).Role.Can(auth.Silence)})
	}
	h("GET /silences", auth.View, func(w http.ResponseWriter, r *http.Request) { silences(w, r, "", http.StatusOK) })
	h("POST /silences", auth.Silence, func(w http.ResponseWriter, r *http.Request) {
		if !sameOrigin(r) {
			http.Error(w, "cross-site form posts are refused", http.StatusForbidden)
			return
		}
		in := alerting.SilenceInput{Matcher: alerts.Matcher{Branch: r.FormValue("branch"), Region: r.FormValue("region"),
			Device: r.FormValue("device"), Check: r.FormValue("check")}, Comment: r.FormValue("comment")}
		in.Start = now()
		if v := r.FormValue("start"); v != "" {
			t, err := time.Parse("2006-01-02T15:04", v)
			if err != nil {
				silences(w, r, "start: not a date and time", http.StatusBadRequest)
				return
			}
			in.Start = t
		}
		d, err := time.ParseDuration(r.FormValue("for"))
		if err != nil {
			silences(w, r, "for: not a duration", http.StatusBadRequest)
			return
		}
		in.End = in.Start.Add(d)
		if err := api.MaySilence(r.Context(), dir, api.Person(r), in.Matcher); err != nil {
			silences(w, r, "Not created: "+err.Error(), http.StatusForbidden)
			return
		}
		if _, err := a.CreateSilence(r.Context(), in, api.User(r)); err != nil {
			silences(w, r, "Not created: "+err.Error(), http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, "/silences", http.StatusSeeOther)
	})
	h("POST /silences/{id}/act", auth.Silence, func(w http.ResponseWriter, r *http.Request) {
		if !sameOrigin(r) {
			http.Error(w, "cross-site form posts are refused", http.StatusForbidden)
			return
		}
		err := api.SilenceInScope(r.Context(), a, dir, api.Person(r), r.PathValue("id"))
		if errors.Is(err, api.ErrSilenceScope) {
			silences(w, r, "Not done: "+err.Error(), http.StatusForbidden)
			return
		}
		if err != nil {
			notFound(w, "silence", err)
			return
		}
		switch r.FormValue("do") {
		case "expire":
			err = a.ExpireSilence(r.Context(), r.PathValue("id"), api.User(r))
		case "delete":
			err = a.DeleteSilence(r.Context(), r.PathValue("id"), api.User(r))
		default:
			err = errors.New("unknown action")
		}
		if err != nil {
			silences(w, r, "Not done: "+err.Error(), http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, "/silences", http.StatusSeeOther)
	})
}

// boardCommand is the change a button of the incident page asks for.
func boardCommand(do string) (alerting.Command, bool) {
	switch do {
	case "ack":
		return alerting.Command{Action: alerting.ActAck}, true
	case "unack":
		return alerting.Command{Action: alerting.ActUnack}, true
	case "snooze30m":
		return alerting.Command{Action: alerting.ActSnooze, Snooze: 30 * time.Minute}, true
	case "snooze2h":
		return alerting.Command{Action: alerting.ActSnooze, Snooze: 2 * time.Hour}, true
	}
	return alerting.Command{}, false
}

// nonce names one rendering of a form.
func nonce() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// notFound answers a failed scope check: 404 for a thing unknown or out of
// scope alike, 500 when the store could not say.
func notFound(w http.ResponseWriter, what string, err error) {
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, "no such "+what, http.StatusNotFound)
		return
	}
	http.Error(w, "cannot read the "+what, http.StatusInternalServerError)
}
