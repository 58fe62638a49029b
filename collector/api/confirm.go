package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// Confirmations is the part of the store manual confirmations need.
type Confirmations interface {
	Directory
	PutConfirmation(ctx context.Context, branch string, c result.Confirmation) error
	Confirmations(ctx context.Context, branch, date string) ([]result.Confirmation, error)
}

// ConfirmRequest is what a person sends to confirm a manual item.
type ConfirmRequest struct {
	Device  string `json:"device"`
	Check   string `json:"check"`
	By      string `json:"by"`
	Problem string `json:"problem,omitempty"`
}

// ErrNotManual is returned for an item that is not a manual check.
var ErrNotManual = errors.New("not a manual item of this branch")

// Confirm records a confirmation for today (branch-local) of a manual item
// the branch's configuration lists.
func Confirm(ctx context.Context, st Confirmations, branch string, req ConfirmRequest, now time.Time) (result.Confirmation, error) {
	b, err := st.Branch(ctx, branch)
	if err != nil {
		return result.Confirmation{}, err
	}
	if b.Descriptor == nil || !isManual(b.Descriptor, req.Device, req.Check) {
		return result.Confirmation{}, fmt.Errorf("%s/%s: %w", req.Device, req.Check, ErrNotManual)
	}
	cal, probs := calendar.Compile(b.Descriptor.Calendar)
	if probs != nil {
		return result.Confirmation{}, fmt.Errorf("branch calendar: %s", probs[0].Msg)
	}
	c := result.Confirmation{Device: req.Device, Check: req.Check, By: strings.TrimSpace(req.By), Problem: strings.TrimSpace(req.Problem),
		At: now.UTC(), Date: now.In(cal.Location()).Format(time.DateOnly)}
	if err := c.Validate(); err != nil {
		return c, err
	}
	return c, st.PutConfirmation(ctx, branch, c)
}

func isManual(d *result.Descriptor, device, check string) bool {
	for _, dev := range d.Devices {
		for _, c := range dev.Checks {
			if dev.ID == device && c.Name == check && c.Kind == "manual" {
				return true
			}
		}
	}
	return false
}

// registerConfirmations adds POST /api/v1/branches/{id}/confirmations
// (people who may confirm, for a branch in their scope).
func registerConfirmations(mux auth.Mux, st Confirmations, now func() time.Time, wrap func(http.Handler) http.Handler) {
	mux.Handle("POST /api/v1/branches/{id}/confirmations", wrap(auth.Allow(auth.Confirm, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := Sees(r.Context(), st, Person(r), r.PathValue("id")); err != nil {
			scopeError(w, r.PathValue("id"), err)
			return
		}
		// Only JSON: a form on another site can post text/plain without a
		// preflight, and the browser would add the operator's login.
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			writeError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
			return
		}
		var req ConfirmRequest
		dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, "body must be JSON {device, check, by, problem}: "+err.Error())
			return
		}
		c, err := Confirm(r.Context(), st, r.PathValue("id"), req, now())
		switch {
		case errors.Is(err, store.ErrNotFound):
			writeError(w, http.StatusNotFound, "no branch "+r.PathValue("id"))
		case err != nil:
			writeError(w, http.StatusBadRequest, err.Error())
		default:
			writeJSON(w, http.StatusCreated, c)
		}
	}))))
}
