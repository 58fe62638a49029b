package board

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// oddBank is a bank of branches that between them use every part of a
// board row: names and reasons that need escaping, an id that needs
// escaping in a link, a holiday, a missed deadline recovered since, a
// deadline still ahead, a silent agent, one never heard from, a skewed
// clock, spooled, held and lost results, no descriptor, no time zone.
func oddBank(now func() time.Time) *memBank {
	m := &memBank{byID: map[string]int{}, results: map[string][]result.Result{}}
	week := func(h string) calendar.Week { return calendar.Week{Mon: h, Tue: h, Wed: h, Thu: h, Fri: h} }
	dev := func(id string, crit result.Criticality) result.Device {
		return result.Device{ID: id, Kind: "atm", Criticality: crit, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}}
	}
	add := func(id string, d *result.Descriptor, c store.Contact, rs ...result.Result) {
		for i := range rs {
			rs[i].Branch, rs[i].ID = id, id+rs[i].Device+rs[i].StartedAt.String()
		}
		m.byID[id] = len(m.list)
		m.list = append(m.list, store.Branch{ID: id, Descriptor: d, Contact: c})
		m.results[id] = rs
	}
	res := func(device, hhmm string, s result.Status, reason string) result.Result {
		return result.Result{Device: device, Check: "reachable", Kind: "tcp", Status: s, StartedAt: london(hhmm), Reason: reason}
	}
	at := now()
	london := calendar.Spec{Timezone: "Europe/London", Hours: week("09:00-17:00")}
	add(`a&b"<x>/?`, &result.Descriptor{Name: `O'Brien & <Sons>`, Region: `r&1`, Calendar: london,
		Devices: []result.Device{dev("atm<1>", result.Blocking), dev("printer", result.Degrading)}},
		store.Contact{At: at.Add(-30 * time.Second), ClockSkew: 5 * time.Minute,
			Health: &result.Health{SpoolDepth: 7, Held: 3, Dropped: 4, DroppedByReason: map[string]uint64{"spool_full": 3, "rejected": 1}}},
		res("atm<1>", "08:10", result.StatusFail, `<script>alert("x")</script> & more`), res("printer", "08:10", result.StatusDegraded, "toner 'low'"),
		res("atm<1>", "08:47", result.StatusOK, "ok"))
	holiday := london
	holiday.Holidays = []calendar.Holiday{{Date: "2026-11-24", Name: `St <Andrew>'s "day"`}}
	add("holiday", &result.Descriptor{Name: "Holiday", Region: "r2", Calendar: holiday, Devices: []result.Device{dev("atm", result.Blocking)}},
		store.Contact{At: at.Add(-time.Hour), Health: &result.Health{Dropped: 2}})
	late := calendar.Spec{Timezone: "Europe/London", Hours: week("10:00-17:00")}
	add("ahead", &result.Descriptor{Name: "", Region: "r2", Calendar: late, Devices: []result.Device{dev("atm", result.Blocking)}},
		store.Contact{}, res("atm", "08:55", result.StatusOK, "ok"))
	add("tokyo", &result.Descriptor{Name: "Tokyo", Calendar: calendar.Spec{Timezone: "Asia/Tokyo", Hours: week("09:00-17:00")},
		Devices: []result.Device{dev("atm", result.Blocking)}}, store.Contact{At: at.Add(-2 * time.Minute)})
	add("nozone", &result.Descriptor{Name: "No zone", Calendar: calendar.Spec{Hours: week("09:00-17:00")},
		Devices: []result.Device{dev("atm", result.Blocking)}}, store.Contact{At: at.Add(-3 * time.Minute)})
	add("nodesc", nil, store.Contact{At: at.Add(-time.Minute)})
	return m
}

// reference renders the board as the row template did before rows were
// cut into pieces (testdata/board_reference.html), from the snapshot the
// page was served from.
func reference(t *testing.T, e *readiness.Engine, path string, now time.Time) string {
	t.Helper()
	ref := template.Must(template.New("").Funcs(funcs).Funcs(alertFuncs).Funcs(registryFuncs).Funcs(template.FuncMap{
		"since": func(at time.Time) string {
			if at.IsZero() {
				return "never"
			}
			return now.Sub(at).Round(time.Second).String() + " ago"
		},
	}).ParseFS(files, "templates/style.html"))
	template.Must(ref.ParseFiles("testdata/board_reference.html"))
	u, _ := url.Parse(path)
	v, err := parseView(u.Query())
	if err != nil {
		t.Fatal(err)
	}
	snap, err := e.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sel := snap.Select(nil, v.Region, v.Verdict)
	shown, v := v.apply(sel)
	type row struct {
		readiness.BranchStatus
		Left string
	}
	rows := make([]row, len(shown))
	for i, b := range shown {
		rows[i] = row{BranchStatus: e.Live(b), Left: countdown(b.Judgement, now)}
	}
	var out strings.Builder
	if err := ref.ExecuteTemplate(&out, "board_reference.html", map[string]any{"Branches": rows, "Total": sel.Total,
		"Counts": counts(sel.Counts), "View": v, "Now": now.UTC(), "Who": "amira (operations)", "JudgedAt": snap.At.UTC()}); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestTheBoardShowsEachRowAsTheWholeRowTemplateDid(t *testing.T) {
	now := london("08:50")
	clock := func() time.Time { return now }
	m := oddBank(clock)
	e := &readiness.Engine{Store: m, Now: clock, SkewThreshold: time.Minute}
	mux := http.NewServeMux()
	Register(mux, e, m, clock, slog.New(slog.DiscardHandler), loggedInAs(auth.Person{Name: "amira", Role: auth.Operations}))
	steps := []struct {
		name, path string
		after      time.Duration
	}{
		{name: "the first page", path: "/"},
		{name: "the same page again, from the cached pieces", path: "/"},
		{name: "a second later, when only the agents' last contacts changed", path: "/", after: time.Second},
		{name: "a minute later, with new local times and countdowns", path: "/", after: time.Minute},
		{name: "a filtered page", path: "/?region=r2"},
		{name: "a filter nothing matches", path: "/?verdict=maintenance"},
		{name: "an hour later, after the late branch's deadline", path: "/", after: time.Hour},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			now = now.Add(step.after)
			got := get(t, mux, step.path)
			if want := reference(t, e, step.path, now); got != want {
				t.Errorf("the page differs from the whole-row template's:\n%s", firstDifference(got, want))
			}
		})
	}
}

// firstDifference shows where two pages part.
func firstDifference(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-200)
	return "got:  ..." + got[from:min(len(got), i+200)] + "\nwant: ..." + want[from:min(len(want), i+200)]
}
