package api

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/sla"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
)

func slaServer(t *testing.T) *httptest.Server {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "api.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	early := -600.0
	var rs []store.SLARollup
	for _, d := range []struct{ branch, region, date, verdict string }{
		{"b1", "north", "2026-03-02", "ready"}, {"b1", "north", "2026-03-03", "not_ready"},
		{"b2", "south", "2026-03-02", "ready"}, {"b2", "south", "2026-03-03", "ready"},
	} {
		rs = append(rs, store.SLARollup{Day: store.SLADay{Branch: d.branch, Region: d.region, Date: d.date, Verdict: d.verdict, ToReadySeconds: &early,
			DeviceSeconds: 28800, UpSeconds: 28800}})
	}
	if err := st.PutSLARollups(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	login := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			name, _, ok := r.BasicAuth()
			if !ok {
				http.Error(w, "login required", http.StatusUnauthorized)
				return
			}
			h.ServeHTTP(w, r.WithContext(auth.WithPerson(r.Context(), auth.Person{Name: name, Role: auth.Operations})))
		})
	}
	now := func() time.Time { return time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC) }
	RegisterSLA(mux, sla.Reports{Store: st, Settings: sla.Settings{OnTime: sla.Objective{Desired: 0.9, Adequate: 0.75}, Availability: sla.Objective{Desired: 0.99, Adequate: 0.95}}},
		st, now, slog.New(slog.DiscardHandler), login)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, query string, auth bool) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/sla"+query, nil)
	if auth {
		req.SetBasicAuth("ops", "x")
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, resp.Body)
	return resp.StatusCode, b.String()
}

func TestSLAReportRejectsBadParametersPrecisely(t *testing.T) {
	srv := slaServer(t)
	for _, c := range []struct{ name, query, want string }{
		{"a malformed from", "?from=2026-3-1&to=2026-03-31", `from \"2026-3-1\": must be a date YYYY-MM-DD`},
		{"to before from", "?from=2026-03-31&to=2026-03-01", "to 2026-03-01: must not be before from 2026-03-31"},
		{"a range over a year", "?from=2025-01-01&to=2026-03-01", "425 days; a report covers at most 367"},
		{"an unknown grouping", "?group_by=country", `group_by \"country\": must be one of bank, region, branch, device_kind, vendor, model, device`},
		{"an unknown period", "?period=year", `period \"year\": must be one of all, day, week, month`},
		{"an unknown format", "?format=xlsx", `format \"xlsx\": must be json or csv`},
		{"an unknown verdict view", "?as_of=noon", `as_of \"noon\": must be latest or deadline`},
		{"a misspelt parameter", "?grup_by=region", `unknown parameter \"grup_by\"`},
	} {
		t.Run(c.name+" is a 400 naming it", func(t *testing.T) {
			code, body := get(t, srv, c.query, true)
			if code != http.StatusBadRequest || !strings.Contains(body, c.want) {
				t.Fatalf("%d %s\nwant 400 containing %s", code, body, c.want)
			}
		})
	}
	t.Run("without a login it is refused", func(t *testing.T) {
		if code, _ := get(t, srv, "", false); code != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", code)
		}
	})
}

func TestSLAReportJSONAndCSVAgree(t *testing.T) {
	srv := slaServer(t)
	code, body := get(t, srv, "?from=2026-03-01&to=2026-03-31&group_by=region", true)
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, body)
	}
	var rep sla.Report
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 2 || rep.Rows[0].Group != "north" || rep.Rows[0].OnTime.OnTimeDays != 1 || rep.Rows[0].OnTime.Zone != sla.Breach ||
		rep.Rows[1].OnTime.Zone != sla.AboveDesired {
		t.Fatalf("rows %+v; want north 1 of 2 in breach, south above desired", rep.Rows)
	}
	code, body = get(t, srv, "?from=2026-03-01&to=2026-03-31&group_by=region&format=csv", true)
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if code != http.StatusOK || err != nil || len(recs) != 3 {
		t.Fatalf("%d %v %q", code, err, body)
	}
	if strings.Join(recs[0], ",") != strings.Join(SLACSVHeader, ",") {
		t.Fatalf("header %v", recs[0])
	}
	north := strings.Join(recs[1][:11], ",")
	if want := "2026-03-01..2026-03-31,north,2,1,1,0,0.500000,breach,0,-1,2"; north != want {
		t.Fatalf("north row %s, want %s", north, want)
	}
}
