package board

import (
	"github.com/branchready/branchready/collector/auth"
	"log/slog"
	"net/http"
	"time"

	"github.com/branchready/branchready/collector/api"
	"github.com/branchready/branchready/collector/sla/record"
)

// RegisterRecord adds the printable pre-opening record of a branch-day,
// /branches/{id}/record?date=YYYY-MM-DD, guarded by wrap (login). It shows
// the same signed record GET /api/v1/branches/{id}/record serves, with the
// key that signed it and a link to the file to keep.
func RegisterRecord(mux auth.Mux, maker record.Maker, dir api.Directory, log *slog.Logger, wrap func(http.Handler) http.Handler) {
	mux.Handle("GET /branches/{id}/record", wrap(auth.Allow(auth.View, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, _, code, msg := api.MakeRecord(r, maker, dir, log)
		if code != http.StatusOK {
			http.Error(w, msg, code)
			return
		}
		loc, err := time.LoadLocation(rec.Timezone)
		if err != nil {
			loc = time.UTC
		}
		render(w, log, "record.html", recordPage{Record: rec, loc: loc})
	}))))
}

// recordPage is a record with its times shown in the branch's zone.
type recordPage struct {
	record.Record
	loc *time.Location
}

// Local formats t in the branch's time zone, "–" when unset.
func (p recordPage) Local(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "–"
	}
	return t.In(p.loc).Format("2006-01-02 15:04:05 MST")
}

// LocalTime is Local for a time value.
func (p recordPage) LocalTime(t time.Time) string { return p.Local(&t) }
