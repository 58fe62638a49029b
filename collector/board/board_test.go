package board

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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

// fakeStore is one London branch open 09:00-17:00 on weekdays, ready by
// 08:45, whose ATM fails from 08:10.
type fakeStore struct {
	branch    store.Branch
	results   []result.Result
	confirmed []result.Confirmation
}

func (f *fakeStore) Branches(context.Context) ([]store.Branch, error) {
	return []store.Branch{f.branch}, nil
}
func (f *fakeStore) Branch(context.Context, string) (store.Branch, error) { return f.branch, nil }
func (f *fakeStore) Results(_ context.Context, _ string, from, to time.Time) ([]result.Result, error) {
	var out []result.Result
	for _, r := range f.results {
		if !r.StartedAt.Before(from) && r.StartedAt.Before(to) {
			out = append(out, r)
		}
	}
	return out, nil
}
func (f *fakeStore) PutConfirmation(_ context.Context, _ string, c result.Confirmation) error {
	f.confirmed = append(f.confirmed, c)
	return nil
}
func (f *fakeStore) Confirmations(context.Context, string, string) ([]result.Confirmation, error) {
	return f.confirmed, nil
}

func london(hhmm string) time.Time {
	loc, _ := time.LoadLocation("Europe/London")
	t, _ := time.ParseInLocation("2006-01-02 15:04", "2026-11-24 "+hhmm, loc)
	return t
}

// board serves the pages at now, with everyone logged in as "amira".
func board(t *testing.T, now time.Time) (http.Handler, *fakeStore) {
	t.Helper()
	week := "09:00-17:00"
	d := &result.Descriptor{Name: "Bank Street", Calendar: calendar.Spec{Timezone: "Europe/London",
		Hours: calendar.Week{Mon: week, Tue: week, Wed: week, Thu: week, Fri: week}, Lead: 15 * time.Minute, SweepStart: time.Hour},
		Devices: []result.Device{
			{ID: "atm-01", Kind: "atm", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}},
			{ID: "lobby", Kind: "other", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "feedback_book", Kind: "manual"}}},
		}}
	r := func(hhmm string, s result.Status) result.Result {
		return result.Result{ID: hhmm, Branch: "lon", Device: "atm-01", Check: "reachable", Kind: "tcp", Status: s, StartedAt: london(hhmm), Reason: string(s)}
	}
	st := &fakeStore{branch: store.Branch{ID: "lon", Descriptor: d, Contact: store.Contact{At: now}},
		results: []result.Result{r("08:00", result.StatusOK), r("08:10", result.StatusFail), r("08:20", result.StatusFail)}}
	e := &readiness.Engine{Store: st, Now: func() time.Time { return now }}
	mux := http.NewServeMux()
	Register(mux, e, st, func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)),
		loggedInAs(auth.Person{Name: "amira", Role: auth.BranchStaff, Branches: []string{"lon"}}))
	return mux, st
}

func get(t *testing.T, h http.Handler, path string) string {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
	}
	return w.Body.String()
}

func TestTheBoardCountsDownToEachDeadline(t *testing.T) {
	tests := []struct {
		name, now, want string
	}{
		{name: "before the deadline it says how long is left", now: "08:22", want: "ready by 08:45 — <span class=\"left\">23 min left</span>"},
		{name: "over an hour before, in hours and minutes", now: "07:30", want: "1 h 15 min left"},
		{name: "after a missed deadline it says by how much", now: "08:57", want: "missed by 12 min"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := board(t, london(tc.now))
			for _, page := range []string{"/", "/branches/lon"} {
				if body := get(t, h, page); !strings.Contains(body, tc.want) {
					t.Errorf("%s does not show %q:\n%s", page, tc.want, body)
				}
			}
		})
	}
}

func TestABranchPageDatesAFailureFromWhenItBegan(t *testing.T) {
	h, _ := board(t, london("08:30"))
	body := get(t, h, "/branches/lon")
	if !strings.Contains(body, "<td>fail</td><td>08:10</td>") {
		t.Errorf("the failing ATM is not shown as failing since 08:10 (its first failure, not its latest at 08:20):\n%s", body)
	}
}

func TestABranchPageLinksThePreviousAndNextDays(t *testing.T) {
	h, _ := board(t, london("10:00"))
	today := get(t, h, "/branches/lon")
	if !strings.Contains(today, `href="/branches/lon?date=2026-11-23" rel="prev"`) || strings.Contains(today, `rel="next"`) {
		t.Errorf("today's page should link yesterday and no future day:\n%s", today)
	}
	past := get(t, h, "/branches/lon?date=2026-11-20")
	if !strings.Contains(past, `href="/branches/lon?date=2026-11-19" rel="prev"`) || !strings.Contains(past, `href="/branches/lon?date=2026-11-21" rel="next"`) {
		t.Errorf("a past day's page should link the days either side:\n%s", past)
	}
	if strings.Contains(past, `action="/branches/lon/confirm"`) {
		t.Error("a past day's page offers to confirm items (confirmations are for today)")
	}
}

func TestAConfirmationIsRecordedInTheLoggedInUsersName(t *testing.T) {
	h, st := board(t, london("08:30"))
	if body := get(t, h, "/branches/lon"); strings.Contains(body, `name="by"`) || !strings.Contains(body, "Recorded in your name (amira)") {
		t.Errorf("the form still asks who is confirming, or does not say who will be recorded:\n%s", body)
	}
	form := url.Values{"device": {"lobby"}, "check": {"feedback_book"}, "by": {"someone else"}}
	req := httptest.NewRequest("POST", "/branches/lon/confirm", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://"+req.Host)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("confirm: %d %s", w.Code, w.Body)
	}
	if len(st.confirmed) != 1 || st.confirmed[0].By != "amira" {
		t.Errorf("recorded %+v, want one confirmation by amira, the logged-in user", st.confirmed)
	}
}

// loggedInAs stands for the login: every request is p's.
func loggedInAs(p auth.Person) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r.WithContext(auth.WithPerson(r.Context(), p)))
		})
	}
}

func TestABranchPageShowsAQuorumGroupAndWhetherItHolds(t *testing.T) {
	h, st := board(t, london("08:30"))
	d := *st.branch.Descriptor
	d.Devices = append(d.Devices, result.Device{ID: "atm-02", Kind: "atm", Criticality: result.Blocking,
		Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}})
	d.Groups = []result.Group{{Name: "atms", Devices: []string{"atm-01", "atm-02"}, Min: 1, Criticality: result.Blocking}}
	st.branch.Descriptor = &d
	st.results = append(st.results, result.Result{ID: "a2", Branch: "lon", Device: "atm-02", Check: "reachable", Kind: "tcp",
		Status: result.StatusOK, StartedAt: london("08:15")})
	body := get(t, h, "/branches/lon")
	if !strings.Contains(body, `<td>atms</td><td>blocking</td><td><span class="v ok">1 of 2 pass, 1 needed</span></td><td>atm-01, atm-02</td>`) {
		t.Errorf("the ATM group is not shown as holding with one of two:\n%s", body)
	}
	if strings.Contains(body, "<td>fail</td><td>08:10</td>") {
		t.Errorf("the failing ATM of a group that holds is listed as keeping the branch from ready:\n%s", body)
	}
}

func TestABranchPageSaysWhichDevicesAreInMaintenance(t *testing.T) {
	h, st := board(t, london("08:30"))
	d := *st.branch.Descriptor
	d.Maintenance = []calendar.Window{{Name: "software update", Devices: []string{"atm-01"}, Start: "2026-11-24 08:00", End: "2026-11-24 10:00"}}
	st.branch.Descriptor = &d
	body := get(t, h, "/branches/lon")
	if !strings.Contains(body, "In maintenance at 08:30, not judged and not counted against the SLA: atm-01.") {
		t.Errorf("the page does not say the ATM is in maintenance:\n%s", body)
	}
	if strings.Contains(body, "<td>fail</td><td>08:10</td>") {
		t.Errorf("the ATM in maintenance is still listed as a problem:\n%s", body)
	}
}

// The page staff open from a chat alert draws the morning: each device's
// state from the first sweep to the deadline, and the last 30 days.
func TestABranchPageDrawsThePreOpeningWindowAndTheLastThirtyDays(t *testing.T) {
	h, st := board(t, london("09:30"))
	st.confirmed = []result.Confirmation{{Device: "lobby", Check: "feedback_book", Date: "2026-11-24", By: "Amira", At: london("08:05")}}
	body := get(t, h, "/branches/lon")
	for _, want := range []string{
		`<svg class="tl"`,
		`class="s-ok"><title>atm-01 from 08:00: reachable ok: ok</title>`,
		`class="s-fail"><title>atm-01 from 08:10: reachable fail: fail</title>`,
		`<title>Amira confirmed feedback_book at 08:05</title>`,
		`class="tick">08:45</text>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the timeline lacks %s", want)
		}
	}
	if n := strings.Count(body, `class="day `); n != 30 {
		t.Errorf("%d day squares, want the last 30 days", n)
	}
	if !strings.Contains(body, `<a class="day closed" href="?date=2026-11-22"`) {
		t.Errorf("Sunday 22 November is not shown closed")
	}
}
