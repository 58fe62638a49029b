package api

import (
	"encoding/csv"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/sla"
)

// RegisterSLA adds GET /api/v1/sla, guarded by wrap (login); its rows
// cover the branches in the person's scope (dir names their regions):
//
//	from, to   branch-local dates YYYY-MM-DD, inclusive; default the 30 days up to yesterday (UTC)
//	group_by   bank (default), region, branch, device_kind, vendor, model, device
//	period     all (default), day, week (ISO), month
//	as_of      latest (default) or deadline: revised days counted as known at the deadline
//	format     json (default) or csv
func RegisterSLA(mux auth.Mux, all sla.Reports, dir Directory, now func() time.Time, log *slog.Logger, wrap func(http.Handler) http.Handler) {
	mux.Handle("GET /api/v1/sla", wrap(auth.Allow(auth.View, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, csvOut, err := ParseSLAQuery(r.URL.Query(), now())
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		reports, err := ScopedReports(r.Context(), dir, Person(r), all)
		var rep sla.Report
		if err == nil {
			rep, err = reports.Report(r.Context(), q)
		}
		if err != nil {
			log.Error("sla report", "err", err)
			writeError(w, http.StatusInternalServerError, "cannot build the SLA report")
			return
		}
		if csvOut {
			writeSLACSV(w, rep)
			return
		}
		writeJSON(w, http.StatusOK, rep)
	}))))
}

var slaParams = []string{"from", "to", "group_by", "period", "as_of", "format"}

// ParseSLAQuery reads an SLA report's parameters; the error names the
// parameter, the value and what is accepted.
func ParseSLAQuery(v url.Values, now time.Time) (sla.Query, bool, error) {
	for k := range v {
		if !slices.Contains(slaParams, k) {
			return sla.Query{}, false, fmt.Errorf("unknown parameter %q: accepted are %s", k, strings.Join(slaParams, ", "))
		}
	}
	to := now.UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	if v.Has("to") {
		to = v.Get("to")
	}
	from := v.Get("from")
	if !v.Has("from") {
		t, err := time.Parse(time.DateOnly, to)
		if err != nil {
			return sla.Query{}, false, fmt.Errorf("to %q: must be a date YYYY-MM-DD", to)
		}
		from = t.AddDate(0, 0, -29).Format(time.DateOnly)
	}
	from, to, err := sla.ParseRange(from, to)
	if err != nil {
		return sla.Query{}, false, err
	}
	q := sla.Query{From: from, To: to, GroupBy: sla.ByBank, Period: sla.Whole}
	if v.Has("group_by") {
		q.GroupBy = sla.GroupBy(v.Get("group_by"))
		if !slices.Contains(sla.Groupings, q.GroupBy) {
			return q, false, fmt.Errorf("group_by %q: must be one of %s", v.Get("group_by"), joinAny(sla.Groupings))
		}
	}
	if v.Has("period") {
		q.Period = sla.Period(v.Get("period"))
		if !slices.Contains(sla.Periods, q.Period) {
			return q, false, fmt.Errorf("period %q: must be one of %s", v.Get("period"), joinAny(sla.Periods))
		}
	}
	switch a := sla.AsOf(v.Get("as_of")); a {
	case "", sla.Latest:
		q.AsOf = sla.Latest
	case sla.AtDeadline:
		q.AsOf = a
	default:
		return q, false, fmt.Errorf("as_of %q: must be latest or deadline", a)
	}
	switch f := v.Get("format"); f {
	case "", "json":
		return q, false, nil
	case "csv":
		return q, true, nil
	default:
		return q, false, fmt.Errorf("format %q: must be json or csv", f)
	}
}

func joinAny[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}

// SLACSVHeader is the first line of the CSV report.
var SLACSVHeader = []string{"period", "group",
	"due_days", "on_time_days", "late_days", "unknown_days", "on_time_ratio", "on_time_zone", "late_days_allowed", "late_days_left", "on_time_burn_rate",
	"to_ready_p50_minutes", "to_ready_p90_minutes", "never_ready_days",
	"device_hours", "down_hours", "availability_ratio", "availability_zone", "down_hours_allowed", "down_hours_left", "availability_burn_rate",
	"failures", "repairs", "mttr_minutes", "blocked_days"}

func writeSLACSV(w http.ResponseWriter, rep sla.Report) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=\"sla-%s-%s-%s.csv\"", rep.GroupBy, rep.From, rep.To))
	cw := csv.NewWriter(w)
	_ = cw.Write(SLACSVHeader)
	for _, r := range rep.Rows {
		rec := []string{r.Period, r.Group}
		if o := r.OnTime; o != nil {
			rec = append(rec, itoa(o.DueDays), itoa(o.OnTimeDays), itoa(o.LateDays), itoa(o.UnknownDays), ftoa(o.Ratio), string(o.Zone),
				num(o.Budget.Allowed), num(o.Budget.Left), num(o.Budget.BurnRate), minutes(o.ToReadyP50Seconds), minutes(o.ToReadyP90Seconds), itoa(o.NeverReadyDays))
		} else {
			rec = append(rec, make([]string, 12)...)
		}
		a := r.Availability
		rec = append(rec, num(a.DeviceHours), num(a.DownHours), ftoa(a.Ratio), string(a.Zone), num(a.Budget.Allowed), num(a.Budget.Left), num(a.Budget.BurnRate),
			itoa(r.Failures), itoa(r.Repairs), minutes(r.MTTRSeconds), itoa(r.BlockedDays))
		_ = cw.Write(rec)
	}
	cw.Flush()
}

func itoa(i int) string    { return strconv.Itoa(i) }
func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
func ftoa(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', 6, 64)
}

func minutes(s *float64) string {
	if s == nil {
		return ""
	}
	return strconv.FormatFloat(*s/60, 'f', 1, 64)
}
