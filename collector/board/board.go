package board

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/branchready/branchready/collector/api"
	"github.com/branchready/branchready/collector/auth"
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
	"verdicts":   func() []readiness.Verdict { return verdicts },
	"perPage":    func() int { return perPage },
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

var pages = template.Must(template.New("").Funcs(funcs).Funcs(alertFuncs).Funcs(registryFuncs).ParseFS(files, "templates/*.html"))

// branchPage is a branch-day's page.
type branchPage struct {
	readiness.BranchStatus
	Left string
	Days days
	// User is who is logged in: a confirmation is recorded in their name.
	User string
	// CanConfirm shows the confirm forms to those whose role may confirm.
	CanConfirm bool
	// Timeline is the day's pre-opening window, device by device; nil on
	// a closed day. LastDays are the verdicts of the 30 days before.
	Timeline *timeline
	LastDays []dayCell
	// Manual are the checks staff confirm, with what is wrong now.
	Manual []manualItem
}

// Register adds the board's pages to mux; wrap guards them (login). Each
// page shows only the branches in the person's scope; a branch out of it
// is "no such branch" (404), and an action the role may not take is 403.
func Register(mux auth.Mux, e *readiness.Engine, st api.Confirmations, now func() time.Time, log *slog.Logger,
	wrap func(http.Handler) http.Handler) {
	days := &dayCache{}
	mux.Handle("POST /branches/{id}/confirm", wrap(auth.Allow(auth.Confirm, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !sameOrigin(r) {
			http.Error(w, "cross-site form posts are refused", http.StatusForbidden)
			return
		}
		if !sees(w, r, st, r.PathValue("id")) {
			return
		}
		req := api.ConfirmRequest{Device: r.FormValue("device"), Check: r.FormValue("check"), By: api.User(r), Problem: r.FormValue("problem")}
		if _, err := api.Confirm(r.Context(), st, r.PathValue("id"), req, now()); err != nil {
			http.Error(w, "not recorded: "+err.Error(), http.StatusBadRequest)
			return
		}
		e.Invalidate(r.PathValue("id"))
		http.Redirect(w, r, "/branches/"+url.PathEscape(r.PathValue("id"))+"?confirmed=1", http.StatusSeeOther)
	}))))
	bp := &boardPage{e: e, now: now, log: log}
	mux.Handle("GET /{$}", wrap(auth.Allow(auth.View, http.HandlerFunc(bp.serve))))
	mux.Handle("GET /branches/{id}", wrap(auth.Allow(auth.View, &branchPageHandler{e: e, st: st, now: now, log: log, days: days})))
}

// engineDir is a directory whose Branch is the engine's (from the branch
// directory it shares with ingest, no store read), for a branch page's
// scope check.
type engineDir struct {
	e *readiness.Engine
	api.Directory
}

func (d engineDir) Branch(ctx context.Context, id string) (store.Branch, error) {
	return d.e.Branch(ctx, id)
}

// sees answers 404 for a branch out of the person's scope (as for one that
// does not exist) and reports whether the page may go on.
func sees(w http.ResponseWriter, r *http.Request, dir api.Directory, id string) bool {
	err := api.Sees(r.Context(), dir, api.Person(r), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		http.Error(w, "no such branch", http.StatusNotFound)
	case err != nil:
		http.Error(w, "cannot read the branch", http.StatusInternalServerError)
	}
	return err == nil
}

// who says who is signed in and what they see.
func who(p auth.Person) string {
	switch p.Role {
	case auth.BranchStaff:
		return p.Name + " (branch staff: " + strings.Join(p.Branches, ", ") + ")"
	case auth.RegionManager:
		return p.Name + " (region manager: " + strings.Join(p.Regions, ", ") + ")"
	}
	return p.Name + " (" + string(p.Role) + ")"
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

// counts keys the verdict counts by name, as the template asks for them.
func counts(by map[readiness.Verdict]int) map[string]int {
	m := make(map[string]int, len(by))
	for v, n := range by {
		m[string(v)] = n
	}
	return m
}

// covers is who a person sees on the board: nil for everyone, so that
// the snapshot's own indexes serve.
func covers(p auth.Person) func(id, region string) bool {
	if p.Role == auth.Operations || p.Role == auth.Admin {
		return nil
	}
	return p.Covers
}

// render executes a page into memory first, so that a template error is a
// clean 500, never half a page.
func render(w http.ResponseWriter, log *slog.Logger, name string, data any) {
	renderStatus(w, log, http.StatusOK, name, data)
}

// renderStatus is render with another status code.
func renderStatus(w http.ResponseWriter, log *slog.Logger, code int, name string, data any) {
	writePage(w, log, code, name, 0, func(page *bytes.Buffer) error { return pages.ExecuteTemplate(page, name, data) })
}

// rowBytes is about what a board row takes, to size a page's buffer once.
const rowBytes = 700

// writePage renders a page into memory with fill (size: a guess of its
// length beyond its head, 0 if none) and sends it.
func writePage(w http.ResponseWriter, log *slog.Logger, code int, name string, size int, fill func(page *bytes.Buffer) error) {
	var buf bytes.Buffer
	buf.Grow(8192 + size)
	if err := fill(&buf); err != nil {
		log.Error("render page", "page", name, "err", err)
		http.Error(w, "cannot render page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}
