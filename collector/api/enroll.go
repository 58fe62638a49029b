package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/branches"
	"github.com/branchready/branchready/collector/store"
)

// Enrollment limits: failed exchanges allowed per client address within
// the window. A code has 60 random bits, so this bounds log noise and
// store work rather than guessing.
const (
	EnrollFailures = 10
	EnrollWindow   = 15 * time.Minute
)

// EnrollRequest is the body of POST /api/v1/enroll.
type EnrollRequest struct {
	Code string `json:"code"`
}

// EnrollResponse is its answer: the branch's new token, shown this once.
type EnrollResponse struct {
	Branch string `json:"branch"`
	Token  string `json:"token"`
}

// RegisterEnroll adds POST /api/v1/enroll: an agent exchanges a one-time
// code for its branch's token, without a login (the code is the
// credential). Failed attempts are throttled per client address (429 with
// Retry-After). A used or expired code is 410 Gone, an unknown one 404,
// each with a message saying what to do.
func RegisterEnroll(mux auth.Mux, svc *branches.Service, now func() time.Time, log *slog.Logger) {
	fails := auth.NewThrottle(EnrollFailures, EnrollWindow)
	mux.Handle("POST /api/v1/enroll", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := auth.ClientAddr(r)
		if wait := fails.Wait(addr, now()); wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
			writeError(w, http.StatusTooManyRequests, "too many failed enrollment attempts from this address; try again later")
			return
		}
		var req EnrollRequest
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil || req.Code == "" {
			fails.Fail(addr, now())
			writeError(w, http.StatusBadRequest, `body: want {"code": "XXXX-XXXX-XXXX"}`)
			return
		}
		c, err := svc.Enroll(r.Context(), req.Code)
		if err != nil {
			code, msg := enrollRefusal(err)
			if code == http.StatusInternalServerError {
				log.Error("enrollment", "err", err)
			} else {
				fails.Fail(addr, now())
				log.Warn("enrollment refused", "client", addr, "reason", msg)
			}
			writeError(w, code, msg)
			return
		}
		log.Info("agent enrolled", "branch", c.Branch, "client", addr)
		writeJSON(w, http.StatusOK, EnrollResponse{Branch: c.Branch, Token: c.Token})
	}))
}

// enrollRefusal is the status and message for a code that was refused.
func enrollRefusal(err error) (int, string) {
	const again = "; ask the collector's operator for a new code (branchready-collector branches code ID)"
	switch {
	case errors.Is(err, store.ErrCodeUsed):
		return http.StatusGone, "this enrollment code was already used" + again
	case errors.Is(err, store.ErrCodeExpired):
		return http.StatusGone, "this enrollment code has expired" + again
	case errors.Is(err, store.ErrRevoked):
		return http.StatusForbidden, "this branch is revoked; it cannot enroll"
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, "unknown enrollment code: check it for typing mistakes" + again
	}
	return http.StatusInternalServerError, "enrollment failed on the collector; try again later"
}
