package board

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/branchready/branchready/collector/api"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/zone"
)

//go:embed templates/*.html
var files embed.FS

// zones keeps the branches' time zones loaded: clock runs three or four
// times a row, and loading a zone per call cost more than the rest of a
// 20,000-branch board together.
var zones zone.Cache

var funcs = template.FuncMap{
	"clock": func(t time.Time, tz string) string {
		if t.IsZero() {
			return "–"
		}
		if loc, err := zones.Load(tz); err == nil {
			t = t.In(loc)
		}
		return t.Format("15:04")
	},
	"label": func(v readiness.Verdict) string { return strings.ReplaceAll(string(v), "_", " ") },
	// verdicts and perPage serve the board's filter form and paging.
	"verdicts": func() []readiness.Verdict { return verdicts },
	"perPage":  func() int { return perPage },
	// problem returns the reason an item is not fine now, or "".
	"problem": func(j readiness.Judgement, device, check string) string {
		ps := j.Problems
		if j.Current != nil {
			ps = j.Current.Problems
		}
		for _, p := range ps {
			if p.Device == device && p.Check == check {
				return p.Reason
			}
		}
		return ""
	},
	"pct":        func(f float64) string { return pct(&f) },
	"ratio":      pct,
	"mins":       minutesText,
	"half":       func(x, w float64) float64 { return x + w/2 },
	"double":     func(w float64) float64 { return w * 2 },
	"budgetText": budgetText,
	"since": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return time.Since(t).Round(time.Second).String() + " ago"
	},
}

var pages = template.Must(template.New("").Funcs(funcs).Funcs(alertFuncs).ParseFS(files, "templates/*.html"))

// row is a branch on the board with its countdown to the deadline.
type row struct {
	readiness.BranchStatus
	Left string
}

// branchPage is a branch-day's page.
type branchPage struct {
	readiness.BranchStatus
	Left string
	Days days
	// User is who is logged in: a confirmation is recorded in their name.
	User string
}

// Register adds the board's pages to mux; wrap guards them (login), and
// user names the person wrap let in.
func Register(mux *http.ServeMux, e *readiness.Engine, st api.Confirmations, now func() time.Time, log *slog.Logger,
	wrap func(http.Handler) http.Handler, user func(*http.Request) string) {
	mux.Handle("POST /branches/{id}/confirm", wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !sameOrigin(r) {
			http.Error(w, "cross-site form posts are refused", http.StatusForbidden)
			return
		}
		req := api.ConfirmRequest{Device: r.FormValue("device"), Check: r.FormValue("check"), By: user(r), Problem: r.FormValue("problem")}
		if _, err := api.Confirm(r.Context(), st, r.PathValue("id"), req, now()); err != nil {
			http.Error(w, "not recorded: "+err.Error(), http.StatusBadRequest)
			return
		}
		e.Invalidate(r.PathValue("id"))
		http.Redirect(w, r, "/branches/"+url.PathEscape(r.PathValue("id"))+"?confirmed=1", http.StatusSeeOther)
	})))
	mux.Handle("GET /{$}", wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := parseView(r.URL.Query())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		all, err := e.All(r.Context())
		if err != nil {
			log.Error("board", "err", err)
			http.Error(w, "cannot load branches", http.StatusInternalServerError)
			return
		}
		shown, v := v.apply(all)
		t := now()
		rows := make([]row, len(shown))
		for i, b := range shown {
			rows[i] = row{BranchStatus: *b, Left: countdown(b.Judgement, t)}
		}
		render(w, log, "board.html", map[string]any{"Branches": rows, "Total": len(all), "Counts": counts(all), "View": v, "Now": t.UTC()})
	})))
	mux.Handle("GET /branches/{id}", wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := e.One(r.Context(), r.PathValue("id"), r.URL.Query().Get("date"))
		switch {
		case errors.Is(err, store.ErrNotFound):
			http.Error(w, "no such branch", http.StatusNotFound)
		case err != nil:
			http.Error(w, err.Error(), http.StatusBadRequest)
		default:
			today, _, _ := strings.Cut(s.LocalTime, " ") // "2006-01-02 15:04 MST"
			render(w, log, "branch.html", branchPage{BranchStatus: s, Left: countdown(s.Judgement, now()),
				Days: around(s.Judgement.Date, today), User: user(r)})
		}
	})))
}

// sameOrigin refuses form posts from other sites (basic auth alone would
// let any page the operator visits post as them).
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		origin = r.Header.Get("Referer")
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

func counts(bs []readiness.BranchStatus) map[string]int {
	m := map[string]int{}
	for _, b := range bs {
		m[string(b.Judgement.Verdict)]++
	}
	return m
}

// render executes a page into memory first, so that a template error is a
// clean 500, never half a page.
func render(w http.ResponseWriter, log *slog.Logger, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		log.Error("render page", "page", name, "err", err)
		http.Error(w, "cannot render page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	_, _ = w.Write(buf.Bytes())
}
