package board

import (
	"github.com/branchready/branchready/collector/auth"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/branchready/branchready/collector/branches"
)

// registryPage is what /admin/branches shows.
type registryPage struct {
	Branches []branches.Status
	Counts   map[string]int
	// Code is an enrollment code just made, shown this once.
	Code *branches.Credentials
	Now  time.Time
}

// RegisterRegistry adds the branch registry's pages: /admin/branches lists
// every registered branch with its token state, and a form there makes a
// one-time enrollment code (shown once, on the page that answers the
// form). Tokens themselves are never shown on the board: an agent gets one
// by enrolling. admin guards both: today the login; it is where an
// admin-only role check belongs.
func RegisterRegistry(mux auth.Mux, svc *branches.Service, now func() time.Time, log *slog.Logger, admin func(http.Handler) http.Handler) {
	list := func(w http.ResponseWriter, r *http.Request, code *branches.Credentials) {
		all, err := svc.List(r.Context())
		if err != nil {
			log.Error("branch registry page", "err", err)
			http.Error(w, "cannot load the branch registry", http.StatusInternalServerError)
			return
		}
		counts := map[string]int{}
		for _, b := range all {
			counts[b.TokenState()]++
		}
		render(w, log, "registry.html", registryPage{Branches: all, Counts: counts, Code: code, Now: now().UTC()})
	}
	mux.Handle("GET /admin/branches", admin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { list(w, r, nil) })))
	mux.Handle("POST /admin/branches/{id}/code", admin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !sameOrigin(r) {
			http.Error(w, "cross-site form posts are refused", http.StatusForbidden)
			return
		}
		c, err := svc.NewCode(r.Context(), r.PathValue("id"), branches.DefaultCodeTTL)
		if err != nil {
			http.Error(w, "no code made: "+err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		list(w, r, &c)
	})))
}

// registryFuncs are the registry page's template functions.
var registryFuncs = map[string]any{
	"codePath": func(id string) string { return "/admin/branches/" + url.PathEscape(id) + "/code" },
	"utc": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"tokenClass": func(state string) string {
		switch state {
		case "active":
			return "ok"
		case "rotating":
			return "degraded"
		case "no_token":
			return "fail"
		}
		return "unknown"
	},
}
