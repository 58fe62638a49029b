package ingest

import (
	"context"
	"net/http"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/result"
)

// ConfirmationReader is the part of the store agents' confirmation reads need.
type ConfirmationReader interface {
	Confirmations(ctx context.Context, branch, date string) ([]result.Confirmation, error)
}

// Confirmations serves GET /api/v1/confirmations?date=YYYY-MM-DD to agents:
// the staff confirmations made on the board for the token's own branch.
func Confirmations(tokens *auth.Tokens, st ConfirmationReader) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		branch, err := tokens.Branch(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="branchready"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": err.Error()})
			return
		}
		date := r.URL.Query().Get("date")
		if _, err := time.Parse(time.DateOnly, date); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "date: must be YYYY-MM-DD"})
			return
		}
		cs, err := st.Confirmations(r.Context(), branch, date)
		if err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "store unavailable; retry later"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"confirmations": cs})
	})
}
