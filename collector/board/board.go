package board

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

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
	"since": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return time.Since(t).Round(time.Second).String() + " ago"
	},
}

var pages = template.Must(template.New("").Funcs(funcs).ParseFS(files, "templates/*.html"))

// Register adds the board's pages to mux; wrap guards them (login).
func Register(mux *http.ServeMux, e *readiness.Engine, log *slog.Logger, wrap func(http.Handler) http.Handler) {
	mux.Handle("GET /{$}", wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		all, err := e.All(r.Context())
		if err != nil {
			log.Error("board", "err", err)
			http.Error(w, "cannot load branches", http.StatusInternalServerError)
			return
		}
		sortForOps(all)
		render(w, log, "board.html", map[string]any{"Branches": all, "Counts": counts(all), "Now": time.Now().UTC()})
	})))
	mux.Handle("GET /branches/{id}", wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := e.One(r.Context(), r.PathValue("id"), r.URL.Query().Get("date"))
		switch {
		case errors.Is(err, store.ErrNotFound):
			http.Error(w, "no such branch", http.StatusNotFound)
		case err != nil:
			http.Error(w, err.Error(), http.StatusBadRequest)
		default:
			render(w, log, "branch.html", s)
		}
	})))
}

// sortForOps puts the branches that need attention first.
func sortForOps(bs []readiness.BranchStatus) {
	rank := map[readiness.Verdict]int{readiness.NotReady: 0, readiness.Unknown: 1, readiness.ReadyDegraded: 2, readiness.Ready: 3, readiness.Closed: 4}
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
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_, _ = w.Write(buf.Bytes())
}
