package board

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/branchready/branchready/collector/api"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
)

//go:embed templates/*.html
var files embed.FS

var funcs = template.FuncMap{
	"clock": func(t time.Time, tz string) string {
		if t.IsZero() {
			return "–"
		}
		if loc, err := time.LoadLocation(tz); err == nil {
			t = t.In(loc)
		}
		return t.Format("15:04")
	},
	"label": func(v readiness.Verdict) string { return strings.ReplaceAll(string(v), "_", " ") },
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

var pages = template.Must(template.New("").Funcs(funcs).Funcs(alertFuncs).Funcs(registryFuncs).ParseFS(files, "templates/*.html"))

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
	// CanConfirm shows the confirm forms to those whose role may confirm.
	CanConfirm bool
}

// Register adds the board's pages to mux; wrap guards them (login). Each
// page shows only the branches in the person's scope; a branch out of it
// is "no such branch" (404), and an action the role may not take is 403.
func Register(mux auth.Mux, e *readiness.Engine, st api.Confirmations, now func() time.Time, log *slog.Logger,
	wrap func(http.Handler) http.Handler) {
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
	mux.Handle("GET /{$}", wrap(auth.Allow(auth.View, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		all, err := e.All(r.Context())
		if err != nil {
			log.Error("board", "err", err)
			http.Error(w, "cannot load branches", http.StatusInternalServerError)
			return
		}
		all = api.InScope(api.Person(r), all)
		sortForOps(all)
		t := now()
		rows := make([]row, len(all))
		for i, b := range all {
			rows[i] = row{BranchStatus: b, Left: countdown(b.Judgement, t)}
		}
		render(w, log, "board.html", map[string]any{"Branches": rows, "Counts": counts(all), "Now": t.UTC(), "Who": who(api.Person(r))})
	}))))
	mux.Handle("GET /branches/{id}", wrap(auth.Allow(auth.View, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !sees(w, r, st, r.PathValue("id")) {
			return
		}
		s, err := e.One(r.Context(), r.PathValue("id"), r.URL.Query().Get("date"))
		switch {
		case errors.Is(err, store.ErrNotFound):
			http.Error(w, "no such branch", http.StatusNotFound)
		case err != nil:
			http.Error(w, err.Error(), http.StatusBadRequest)
		default:
			today, _, _ := strings.Cut(s.LocalTime, " ") // "2006-01-02 15:04 MST"
			render(w, log, "branch.html", branchPage{BranchStatus: s, Left: countdown(s.Judgement, now()),
				Days: around(s.Judgement.Date, today), User: api.User(r), CanConfirm: api.Person(r).Role.Can(auth.Confirm)})
		}
	}))))
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

// sortForOps puts the branches that need attention first.
func sortForOps(bs []readiness.BranchStatus) {
	rank := map[readiness.Verdict]int{readiness.NotReady: 0, readiness.Unknown: 1, readiness.ReadyDegraded: 2, readiness.Ready: 3, readiness.Maintenance: 4, readiness.Closed: 5}
	sort.SliceStable(bs, func(i, j int) bool {
		ri, rj := rank[bs[i].Judgement.Verdict], rank[bs[j].Judgement.Verdict]
		if ri != rj {
			return ri < rj
		}
		return bs[i].ID < bs[j].ID
	})
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
