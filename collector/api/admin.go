package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/branchready/branchready/collector/auth"
	"log/slog"
	"net/http"
	"time"

	"github.com/branchready/branchready/collector/branches"
	"github.com/branchready/branchready/collector/store"
)

// maxAdminBody bounds an admin request body; a CSV import of 20,000
// branches is about a megabyte.
const maxAdminBody = 16 << 20

// RegisterAdmin adds the branch registry's admin API to mux:
//
//	GET  /api/v1/admin/branches               every branch with its token state
//	POST /api/v1/admin/branches               add one: {"id","name","region","channel","code_ttl"}
//	POST /api/v1/admin/branches/import        a CSV body (id,name,region,channel)
//	GET  /api/v1/admin/branches/{id}
//	POST /api/v1/admin/branches/{id}/rotate   {"overlap":"168h"}
//	POST /api/v1/admin/branches/{id}/code     {"ttl":"15m"}: a one-time enrollment code
//	POST /api/v1/admin/branches/{id}/revoke
//
// Tokens and codes appear once, in the answer that makes them. admin
// guards every route: today the login; it is where an admin-only role
// check belongs, as these routes hand out credentials.
func RegisterAdmin(mux auth.Mux, svc *branches.Service, log *slog.Logger, admin func(http.Handler) http.Handler) {
	h := func(pattern string, fn func(w http.ResponseWriter, r *http.Request)) {
		mux.Handle(pattern, admin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, maxAdminBody)
			fn(w, r)
		})))
	}
	fail := func(w http.ResponseWriter, what string, err error) { adminError(w, log, what, err) }
	h("GET /api/v1/admin/branches", func(w http.ResponseWriter, r *http.Request) {
		all, err := svc.List(r.Context())
		if err != nil {
			fail(w, "list registered branches", err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"branches": withState(all)})
	})
	h("GET /api/v1/admin/branches/{id}", func(w http.ResponseWriter, r *http.Request) {
		st, err := svc.One(r.Context(), r.PathValue("id"))
		if err != nil {
			fail(w, "read registered branch", err)
			return
		}
		writeJSON(w, http.StatusOK, withState([]branches.Status{st})[0])
	})
	h("POST /api/v1/admin/branches", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			branches.Row
			CodeTTL string `json:"code_ttl"`
		}
		ttl, ok := decode(w, r, &req, &req.CodeTTL)
		if !ok {
			return
		}
		c, err := svc.Add(r.Context(), req.Row, ttl)
		if err != nil {
			fail(w, "add branch", err)
			return
		}
		writeJSON(w, http.StatusCreated, c)
	})
	h("POST /api/v1/admin/branches/import", func(w http.ResponseWriter, r *http.Request) {
		rows, err := branches.ParseCSV("body", r.Body)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		c, err := svc.Import(r.Context(), rows, nil)
		if err != nil {
			fail(w, "import branches", err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]int{"created": c.Created, "updated": c.Updated, "unchanged": c.Unchanged})
	})
	h("POST /api/v1/admin/branches/{id}/rotate", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Overlap string `json:"overlap"`
		}
		overlap, ok := decode(w, r, &req, &req.Overlap)
		if !ok {
			return
		}
		if req.Overlap == "" {
			overlap = branches.DefaultOverlap
		}
		c, err := svc.Rotate(r.Context(), r.PathValue("id"), overlap)
		if err != nil {
			fail(w, "rotate token", err)
			return
		}
		writeJSON(w, http.StatusOK, c)
	})
	h("POST /api/v1/admin/branches/{id}/code", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			TTL string `json:"ttl"`
		}
		ttl, ok := decode(w, r, &req, &req.TTL)
		if !ok {
			return
		}
		if ttl == 0 {
			ttl = branches.DefaultCodeTTL
		}
		c, err := svc.NewCode(r.Context(), r.PathValue("id"), ttl)
		if err != nil {
			fail(w, "make enrollment code", err)
			return
		}
		writeJSON(w, http.StatusOK, c)
	})
	h("POST /api/v1/admin/branches/{id}/revoke", func(w http.ResponseWriter, r *http.Request) {
		if err := svc.Revoke(r.Context(), r.PathValue("id")); err != nil {
			fail(w, "revoke branch", err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"revoked": r.PathValue("id")})
	})
}

// stated is a branch status with its token state in a word.
type stated struct {
	branches.Status
	TokenState string `json:"token_state"`
}

func withState(all []branches.Status) []stated {
	out := make([]stated, len(all))
	for i, s := range all {
		out[i] = stated{s, s.TokenState()}
	}
	return out
}

// decode reads an optional JSON body into v and parses *dur as a duration
// ("" is zero). It answers 400 itself and returns false on a bad body.
func decode(w http.ResponseWriter, r *http.Request, v any, dur *string) (time.Duration, bool) {
	if r.ContentLength != 0 {
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			writeError(w, http.StatusBadRequest, "body: "+err.Error())
			return 0, false
		}
	}
	if *dur == "" {
		return 0, true
	}
	d, err := time.ParseDuration(*dur)
	if err != nil || d < 0 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("duration %q: must be like 15m or 168h", *dur))
		return 0, false
	}
	return d, true
}

// adminError maps the registry's errors to status codes.
func adminError(w http.ResponseWriter, log *slog.Logger, what string, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, branches.ErrExists), errors.Is(err, store.ErrRevoked):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, branches.ErrInvalid):
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		log.Error(what, "err", err)
		writeError(w, http.StatusInternalServerError, "cannot "+what)
	}
}
