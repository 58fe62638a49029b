package board

import (
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/branchready/branchready/collector/api"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store"
)

// RegisterMaintenance adds the maintenance page: the windows made on the
// board or API in the person's scope, a form to make one, and a button to
// delete one. Making and deleting follow the API's rules (the silence
// grant and its scope); changed is called after each change.
func RegisterMaintenance(mux auth.Mux, st store.Maintenance, dir api.Directory, changed func(), now func() time.Time, log *slog.Logger,
	wrap func(http.Handler) http.Handler) {
	h := func(pattern string, act auth.Action, f http.HandlerFunc) {
		mux.Handle(pattern, wrap(auth.Allow(act, f)))
	}
	page := func(w http.ResponseWriter, r *http.Request, msg string, code int) {
		p := api.Person(r)
		ws, err := api.VisibleMaintenance(r.Context(), st, dir, p, false)
		if err != nil {
			log.Error("maintenance page", "err", err)
			http.Error(w, "cannot load maintenance windows", http.StatusInternalServerError)
			return
		}
		branches, regions, err := inScope(r, dir, p)
		if err != nil {
			log.Error("maintenance page", "err", err)
			http.Error(w, "cannot load branches", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(code)
		render(w, log, "maintenance.html", map[string]any{"Windows": ws, "Error": msg, "Can": p.Role.Can(auth.Silence),
			"Branches": branches, "Regions": regions, "Branch": r.URL.Query().Get("branch")})
	}
	h("GET /maintenance", auth.View, func(w http.ResponseWriter, r *http.Request) { page(w, r, "", http.StatusOK) })
	h("POST /maintenance", auth.Silence, func(w http.ResponseWriter, r *http.Request) {
		if !sameOrigin(r) {
			http.Error(w, "cross-site form posts are refused", http.StatusForbidden)
			return
		}
		nth, _ := strconv.Atoi(r.FormValue("nth"))
		in := api.MaintenanceInput{Branch: r.FormValue("branch"), Region: r.FormValue("region"), Devices: strings.FieldsFunc(r.FormValue("devices"),
			func(c rune) bool { return c == ',' || c == ' ' }), Start: strings.Replace(r.FormValue("start"), "T", " ", 1),
			End: strings.Replace(r.FormValue("end"), "T", " ", 1), Weekday: r.FormValue("weekday"), Nth: nth, At: r.FormValue("at"),
			For: r.FormValue("for"), Timezone: r.FormValue("timezone"), Comment: r.FormValue("comment")}
		if in.Weekday == "" {
			in.At, in.For, in.Nth = "", "", 0 // the recurring fields keep their defaults in the form
		}
		_, err := api.CreateMaintenance(r.Context(), st, dir, api.Person(r), in, now())
		switch {
		case errors.Is(err, api.ErrMaintenanceScope):
			page(w, r, "Not created: "+err.Error(), http.StatusForbidden)
		case err != nil:
			page(w, r, "Not created: "+err.Error(), http.StatusBadRequest)
		default:
			changed()
			http.Redirect(w, r, "/maintenance", http.StatusSeeOther)
		}
	})
	h("POST /maintenance/{id}/delete", auth.Silence, func(w http.ResponseWriter, r *http.Request) {
		if !sameOrigin(r) {
			http.Error(w, "cross-site form posts are refused", http.StatusForbidden)
			return
		}
		err := api.DeleteMaintenance(r.Context(), st, dir, api.Person(r), r.PathValue("id"), now())
		switch {
		case errors.Is(err, api.ErrMaintenanceScope):
			page(w, r, "Not deleted: "+err.Error(), http.StatusForbidden)
		case err != nil:
			notFound(w, "maintenance window", err)
		default:
			changed()
			http.Redirect(w, r, "/maintenance", http.StatusSeeOther)
		}
	})
}

// inScope lists the branches and regions a person sees, for the form.
func inScope(r *http.Request, dir api.Directory, p auth.Person) (branches, regions []string, err error) {
	bs, err := dir.Branches(r.Context())
	if err != nil {
		return nil, nil, err
	}
	for _, b := range bs {
		reg := api.RegionOf(b)
		if !p.Covers(b.ID, reg) {
			continue
		}
		branches = append(branches, b.ID)
		if reg != "" && !slices.Contains(regions, reg) && (p.Everywhere() || slices.Contains(p.Regions, reg)) {
			regions = append(regions, reg)
		}
	}
	slices.Sort(regions)
	return branches, regions, nil
}
