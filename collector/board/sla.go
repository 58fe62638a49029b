package board

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/branchready/branchready/collector/api"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/sla"
)

// RegisterSLA adds the SLA page, /sla, guarded by wrap (login). It takes
// the same from and to as GET /api/v1/sla.
//
// Its plots are SVG drawn on the server, with no JavaScript charting
// library and nothing fetched from a CDN: branch and operations networks
// are often closed to the internet, the board's Content-Security-Policy
// allows no script at all, and a picture drawn on the server is the same
// picture in every browser, in a printout and in a test that parses it.
//
// A person of a scoped role sees the rows of the branches in their scope
// only (dir names each branch's region): their "bank" is their scope.
func RegisterSLA(mux auth.Mux, all sla.Reports, dir api.Directory, now func() time.Time, log *slog.Logger, wrap func(http.Handler) http.Handler) {
	mux.Handle("GET /sla", wrap(auth.Allow(auth.View, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		q.Del("group_by")
		q.Del("period")
		q.Del("format")
		query, _, err := api.ParseSLAQuery(q, now())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		reports, err := api.ScopedReports(r.Context(), dir, api.Person(r), all)
		var page SLAPage
		if err == nil {
			page, err = slaPage(r.Context(), reports, query.From, query.To)
		}
		if err != nil {
			log.Error("sla page", "err", err)
			http.Error(w, "cannot build the SLA report", http.StatusInternalServerError)
			return
		}
		render(w, log, "sla.html", page)
	}))))
}

// SLAPage is what the SLA page shows.
type SLAPage struct {
	From, To   string
	Objectives sla.Settings
	Bank       *sla.Row
	Regions    []sla.Row
	Branches   []sla.Row
	Trend      Trend
	ToReady    Bars
	Worst      []WorstList
}

// WorstList is one top-N list drawn as bars.
type WorstList struct {
	Title string
	Bars  Bars
	Rows  []sla.Row
}

func slaPage(ctx context.Context, reports sla.Reports, from, to string) (SLAPage, error) {
	p := SLAPage{From: from, To: to, Objectives: reports.Settings}
	report := func(g sla.GroupBy, period sla.Period) ([]sla.Row, error) {
		rep, err := reports.Report(ctx, sla.Query{From: from, To: to, GroupBy: g, Period: period})
		return rep.Rows, err
	}
	bank, err := report(sla.ByBank, sla.Whole)
	if err != nil {
		return p, err
	}
	if len(bank) > 0 {
		p.Bank = &bank[0]
	}
	if p.Regions, err = report(sla.ByRegion, sla.Whole); err != nil {
		return p, err
	}
	if p.Branches, err = report(sla.ByBranch, sla.Whole); err != nil {
		return p, err
	}
	daily, err := report(sla.ByBank, sla.Day)
	if err != nil {
		return p, err
	}
	p.Trend = trend(daily, reports.Settings.OnTime)
	days, err := reports.Days(ctx, from, to, sla.Latest)
	if err != nil {
		return p, err
	}
	p.ToReady = distribution(sla.ToReady(days, from, to))
	for _, w := range []struct {
		title string
		g     sla.GroupBy
	}{{"Worst devices", sla.ByDevice}, {"Worst models", sla.ByModel}, {"Worst vendors", sla.ByVendor}} {
		rows, err := report(w.g, sla.Whole)
		if err != nil {
			return p, err
		}
		worst := sla.Worst(rows, 5)
		p.Worst = append(p.Worst, WorstList{Title: w.title, Rows: worst, Bars: availabilityBars(worst)})
	}
	return p, nil
}

func pct(f *float64) string {
	if f == nil {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", *f*100)
}

// minutesText shows seconds relative to the deadline as signed minutes.
func minutesText(s *float64) string {
	if s == nil {
		return "–"
	}
	return fmt.Sprintf("%+.0f min", *s/60)
}

// budgetText says how much of an error budget is left in words.
func budgetText(b sla.Budget, unit string) string {
	if b.Left < 0 {
		return fmt.Sprintf("%g %s over the budget of %g", -b.Left, unit, b.Allowed)
	}
	return fmt.Sprintf("%g more %s before it falls below adequate", b.Left, unit)
}
