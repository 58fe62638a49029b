package collector

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/alerting"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

// The scope test's bank: lon-1 in region south is in the scoped users'
// scope, edi-1 in region north is not.
const (
	inBranch, outBranch = "lon-1", "edi-1"
	inRegion, outRegion = "south", "north"
)

// people logs in as each role: sam staffs lon-1, ria manages south.
var people = []auth.Person{
	{Name: "sam", Role: auth.BranchStaff, Branches: []string{inBranch}},
	{Name: "ria", Role: auth.RegionManager, Regions: []string{inRegion}},
	{Name: "ops", Role: auth.Operations},
	{Name: "root", Role: auth.Admin},
}

// scopeEnv is a running collector with both branches, an open incident at
// each, and SLA rollups for both.
type scopeEnv struct {
	srv       *Server
	svc       *alerting.Service
	clk       *clock
	incidents map[string]string // branch -> open incident id
	windows   int               // maintenance windows made so far
}

func startScopeEnv(t *testing.T) *scopeEnv {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{}
	clk.Set(time.Date(2026, 11, 24, 8, 10, 0, 0, time.UTC)) // a Tuesday
	h, _ := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	var accounts []auth.Account
	for _, p := range people {
		accounts = append(accounts, auth.Account{Person: p, PasswordBcrypt: string(h)})
	}
	users, err := auth.NewAccounts(accounts)
	if err != nil {
		t.Fatal(err)
	}
	tokens, _ := auth.NewTokens(nil)
	tokens.Add(inBranch, "token-"+inBranch)
	tokens.Add(outBranch, "token-"+outBranch)
	cfg := alerting.Config{Config: alerts.Config{}.WithDefaults(), Slack: alerting.SlackConfig{SigningSecretEnv: "SLACK_SIGNING"}}
	srv := NewServer(ServerOptions{Store: st, Tokens: tokens, Users: users, Log: log, Now: clk.Now, Reload: func() error { return nil },
		Alerts:    AlertOptions{Config: cfg, Getenv: func(string) string { return "secret" }, Tick: 50 * time.Millisecond},
		RecordKey: ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))})
	serveAlerting(t, ctx, cancel, srv, st)
	env := &scopeEnv{srv: srv, svc: srv.alerts.svc, clk: clk, incidents: map[string]string{}}
	for _, at := range []string{"08:10", "08:15"} {
		tm, _ := time.Parse("2006-01-02 15:04", "2026-11-24 "+at)
		clk.Set(tm)
		env.ingest(t, inBranch, inRegion, tm)
		env.ingest(t, outBranch, outRegion, tm)
	}
	waitFor(t, "an open incident at each branch", func() bool {
		incs, err := env.svc.Incidents(context.Background(), time.Time{})
		if err != nil {
			return false
		}
		for _, inc := range incs {
			if inc.Open() {
				env.incidents[inc.Key.Branch] = inc.ID
			}
		}
		return len(env.incidents) == 2
	})
	// The board and the list read the readiness snapshot, judged in the
	// background: wait until it holds both branches' first reports.
	waitFor(t, "both branches judged", func() bool {
		body := env.do(httptest.NewRequest(http.MethodGet, "/api/v1/branches", nil), "ops").Body.String()
		return strings.Contains(body, inBranch) && strings.Contains(body, outBranch)
	})
	var rs []store.SLARollup
	for _, b := range [][2]string{{inBranch, inRegion}, {outBranch, outRegion}} {
		rs = append(rs, store.SLARollup{Day: store.SLADay{Branch: b[0], Region: b[1], Date: "2026-11-02", Verdict: "ready", DeviceSeconds: 3600, UpSeconds: 3600}})
	}
	if err := st.PutSLARollups(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
	env.silence(t, inRegion)
	env.silence(t, outRegion)
	env.window(t, inBranch, "")
	env.window(t, outBranch, "")
	return env
}

// ingest sends a failing ATM and a lobby with a manual item for branch.
func (e *scopeEnv) ingest(t *testing.T, branch, region string, at time.Time) {
	t.Helper()
	week := "09:00-17:00"
	d := &result.Descriptor{Name: branch, Region: region, Calendar: calendar.Spec{Timezone: "UTC", Hours: calendar.Week{Mon: week, Tue: week}},
		Devices: []result.Device{
			{ID: "atm-01", Kind: "atm", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}},
			{ID: "lobby", Kind: "other", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "feedback-book", Kind: "manual"}}},
		}}
	b := result.Batch{Branch: branch, Agent: result.Agent{Version: "test", ConfigHash: "h", SentAt: at}, Descriptor: d,
		Results: []result.Result{{ID: branch + at.Format("1504"), Branch: branch, Device: "atm-01", Check: "reachable", Kind: "tcp",
			Status: result.StatusFail, StartedAt: at, Reason: "connection refused", Sweep: "s", AgentVersion: "test"}}}
	body, _ := json.Marshal(b)
	r := httptest.NewRequest(http.MethodPost, "/api/v1/results", bytes.NewReader(body))
	r.Header.Set("Authorization", "Bearer token-"+branch)
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	e.srv.Handler.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("ingest for %s answered %d: %s", branch, w.Code, w.Body)
	}
}

// silence makes a silence of a region for a case to act on.
func (e *scopeEnv) silence(t *testing.T, region string) string {
	t.Helper()
	s, err := e.svc.CreateSilence(context.Background(), alerting.SilenceInput{Matcher: alerts.Matcher{Region: region},
		End: e.clk.Now().Add(2 * time.Hour), Comment: "scope test"}, "ops")
	if err != nil {
		t.Fatal(err)
	}
	return s.ID
}

// window makes a maintenance window of a branch or region, on a past day so
// that it changes no verdict the other routes see.
func (e *scopeEnv) window(t *testing.T, branch, region string) string {
	t.Helper()
	e.windows++
	m := store.MaintenanceRecord{ID: fmt.Sprintf("mw-%d", e.windows), Branch: branch, Region: region,
		Window: calendar.Window{Devices: []string{"atm-01"}, Start: "2026-11-01 07:00", End: "2026-11-01 09:00"}, Comment: "scope test", CreatedBy: "ops",
		CreatedAt: e.clk.Now()}
	if err := e.srv.store.(store.Maintenance).PutMaintenance(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// Kinds of route: who may call them at all.
const (
	public    = "public" // no login
	agent     = "agent"  // a branch's bearer token
	signed    = "signed" // Slack's signature
	person    = "person" // a person's login, then role and scope
	adminOnly = "admin"  // a person's login with the admin role (credentials are handed out)
	code      = "code"   // a one-time enrollment code in the body, no login
)

// Targets of a person's route: what its scope is decided on.
const (
	none     = ""         // nothing: the route reads or acts on no branch
	list     = "list"     // it lists branches' things: the out-of-scope branch must not appear
	branch   = "branch"   // a branch in the path
	incident = "incident" // an incident (of a branch) in the path
	silence  = "silence"  // a silence (of a region) in the path
	window   = "window"   // a maintenance window (of a branch or region) in the path
	matcher  = "matcher"  // a silence's matcher in the body: out of scope is 403, not 404
)

// routeScope is a route's scope decision.
type routeScope struct {
	kind   string
	action auth.Action
	target string
	// req builds the request: in is true for the in-scope target.
	req func(t *testing.T, e *scopeEnv, in bool) *http.Request
}

func get(path string) func(*testing.T, *scopeEnv, bool) *http.Request {
	return func(_ *testing.T, e *scopeEnv, in bool) *http.Request {
		return httptest.NewRequest(http.MethodGet, path, nil)
	}
}

func onBranch(method, path, ctype, body string) func(*testing.T, *scopeEnv, bool) *http.Request {
	return func(_ *testing.T, e *scopeEnv, in bool) *http.Request {
		id := pick(in, inBranch, outBranch)
		return sameSite(httptest.NewRequest(method, strings.Replace(path, "{id}", id, 1), strings.NewReader(body)), ctype)
	}
}

func onIncident(method, path, ctype, body string) func(*testing.T, *scopeEnv, bool) *http.Request {
	return func(_ *testing.T, e *scopeEnv, in bool) *http.Request {
		id := e.incidents[pick(in, inBranch, outBranch)]
		return sameSite(httptest.NewRequest(method, strings.Replace(path, "{id}", id, 1), strings.NewReader(body)), ctype)
	}
}

func onSilence(method, path, ctype, body string) func(*testing.T, *scopeEnv, bool) *http.Request {
	return func(t *testing.T, e *scopeEnv, in bool) *http.Request {
		id := e.silence(t, pick(in, inRegion, outRegion))
		return sameSite(httptest.NewRequest(method, strings.Replace(path, "{id}", id, 1), strings.NewReader(body)), ctype)
	}
}

func newSilence(path, ctype, body string) func(*testing.T, *scopeEnv, bool) *http.Request {
	return func(_ *testing.T, e *scopeEnv, in bool) *http.Request {
		end := e.clk.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
		b := strings.ReplaceAll(strings.ReplaceAll(body, "REGION", pick(in, inRegion, outRegion)), "END", end)
		return sameSite(httptest.NewRequest(http.MethodPost, path, strings.NewReader(b)), ctype)
	}
}

func onWindow(method, path, ctype, body string) func(*testing.T, *scopeEnv, bool) *http.Request {
	return func(t *testing.T, e *scopeEnv, in bool) *http.Request {
		id := e.window(t, "", pick(in, inRegion, outRegion))
		return sameSite(httptest.NewRequest(method, strings.Replace(path, "{id}", id, 1), strings.NewReader(body)), ctype)
	}
}

// sameSite makes a request as the board's own pages send it.
func sameSite(r *http.Request, ctype string) *http.Request {
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	r.Header.Set("Origin", "http://"+r.Host)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	return r
}

func pick(in bool, a, b string) string {
	if in {
		return a
	}
	return b
}

const form = "application/x-www-form-urlencoded"

// scopes is every route's scope decision. A route registered without an
// entry here fails the test: adding a route means deciding who may use it.
var scopes = map[string]routeScope{
	"/api/v1/results":             {kind: agent, req: onBranch(http.MethodPost, "/api/v1/results", "application/json", "{}")},
	"GET /api/v1/confirmations":   {kind: agent, req: get("/api/v1/confirmations")},
	"GET /metrics":                {kind: public, req: get("/metrics")},
	"GET /-/healthy":              {kind: public, req: get("/-/healthy")},
	"GET /-/ready":                {kind: public, req: get("/-/ready")},
	"POST /slack/interactions":    {kind: signed, req: onBranch(http.MethodPost, "/slack/interactions", form, "payload={}")},
	"POST /-/reload":              {kind: person, action: auth.Administer, req: onBranch(http.MethodPost, "/-/reload", "", "")},
	"GET /api/v1/branches":        {kind: person, action: auth.View, target: list, req: get("/api/v1/branches")},
	"GET /api/v1/branches/{id}":   {kind: person, action: auth.View, target: branch, req: onBranch(http.MethodGet, "/api/v1/branches/{id}", "", "")},
	"GET /{$}":                    {kind: person, action: auth.View, target: list, req: get("/")},
	"GET /branches/{id}":          {kind: person, action: auth.View, target: branch, req: onBranch(http.MethodGet, "/branches/{id}", "", "")},
	"GET /api/v1/sla":             {kind: person, action: auth.View, target: list, req: get("/api/v1/sla?from=2026-11-02&to=2026-11-03&group_by=branch")},
	"GET /sla":                    {kind: person, action: auth.View, target: list, req: get("/sla?from=2026-11-02&to=2026-11-03")},
	"GET /api/v1/incidents":       {kind: person, action: auth.View, target: list, req: get("/api/v1/incidents")},
	"GET /incidents":              {kind: person, action: auth.View, target: list, req: get("/incidents")},
	"GET /api/v1/incidents/{id}":  {kind: person, action: auth.View, target: incident, req: onIncident(http.MethodGet, "/api/v1/incidents/{id}", "", "")},
	"GET /incidents/{id}":         {kind: person, action: auth.View, target: incident, req: onIncident(http.MethodGet, "/incidents/{id}", "", "")},
	"GET /api/v1/silences":        {kind: person, action: auth.View, target: list, req: get("/api/v1/silences")},
	"GET /silences":               {kind: person, action: auth.View, target: list, req: get("/silences")},
	"POST /branches/{id}/confirm": {kind: person, action: auth.Confirm, target: branch, req: onBranch(http.MethodPost, "/branches/{id}/confirm", form, "device=lobby&check=feedback-book")},
	"POST /api/v1/branches/{id}/confirmations": {kind: person, action: auth.Confirm, target: branch,
		req: onBranch(http.MethodPost, "/api/v1/branches/{id}/confirmations", "application/json", `{"device":"lobby","check":"feedback-book","by":"Ann"}`)},
	"POST /api/v1/incidents/{id}/ack":    {kind: person, action: auth.Acknowledge, target: incident, req: onIncident(http.MethodPost, "/api/v1/incidents/{id}/ack", "", "")},
	"POST /api/v1/incidents/{id}/unack":  {kind: person, action: auth.Acknowledge, target: incident, req: onIncident(http.MethodPost, "/api/v1/incidents/{id}/unack", "", "")},
	"POST /api/v1/incidents/{id}/snooze": {kind: person, action: auth.Acknowledge, target: incident, req: onIncident(http.MethodPost, "/api/v1/incidents/{id}/snooze", "application/json", `{"for":"30m"}`)},
	"POST /incidents/{id}/act":           {kind: person, action: auth.Acknowledge, target: incident, req: onIncident(http.MethodPost, "/incidents/{id}/act", form, "do=ack")},
	"POST /api/v1/silences": {kind: person, action: auth.Silence, target: matcher,
		req: newSilence("/api/v1/silences", "application/json", `{"matcher":{"region":"REGION"},"end":"END","comment":"branch refit"}`)},
	"POST /silences":                          {kind: person, action: auth.Silence, target: matcher, req: newSilence("/silences", form, "region=REGION&for=2h&comment=refit")},
	"POST /api/v1/silences/{id}/expire":       {kind: person, action: auth.Silence, target: silence, req: onSilence(http.MethodPost, "/api/v1/silences/{id}/expire", "", "")},
	"DELETE /api/v1/silences/{id}":            {kind: person, action: auth.Silence, target: silence, req: onSilence(http.MethodDelete, "/api/v1/silences/{id}", "", "")},
	"POST /silences/{id}/act":                 {kind: person, action: auth.Silence, target: silence, req: onSilence(http.MethodPost, "/silences/{id}/act", form, "do=expire")},
	"GET /api/v1/branches/{id}/record":        {kind: person, action: auth.View, target: branch, req: onBranch(http.MethodGet, "/api/v1/branches/{id}/record?date=2026-11-23", "", "")},
	"GET /branches/{id}/record":               {kind: person, action: auth.View, target: branch, req: onBranch(http.MethodGet, "/branches/{id}/record?date=2026-11-23", "", "")},
	"GET /api/v1/admin/branches":              {kind: adminOnly, req: get("/api/v1/admin/branches")},
	"GET /api/v1/admin/branches/{id}":         {kind: adminOnly, req: get("/api/v1/admin/branches/nowhere")},
	"POST /api/v1/admin/branches":             {kind: adminOnly, req: onBranch(http.MethodPost, "/api/v1/admin/branches", "application/json", `{}`)},
	"POST /api/v1/admin/branches/import":      {kind: adminOnly, req: onBranch(http.MethodPost, "/api/v1/admin/branches/import", "text/csv", "id,name,region,channel\n")},
	"POST /api/v1/admin/branches/{id}/rotate": {kind: adminOnly, req: onBranch(http.MethodPost, "/api/v1/admin/branches/nowhere/rotate", "", "")},
	"POST /api/v1/admin/branches/{id}/code":   {kind: adminOnly, req: onBranch(http.MethodPost, "/api/v1/admin/branches/nowhere/code", "", "")},
	"POST /api/v1/admin/branches/{id}/revoke": {kind: adminOnly, req: onBranch(http.MethodPost, "/api/v1/admin/branches/nowhere/revoke", "", "")},
	"GET /admin/branches":                     {kind: adminOnly, req: get("/admin/branches")},
	"POST /admin/branches/{id}/code":          {kind: adminOnly, req: onBranch(http.MethodPost, "/admin/branches/nowhere/code", form, "")},
	"GET /api/v1/maintenance":                 {kind: person, action: auth.View, target: list, req: get("/api/v1/maintenance")},
	"GET /maintenance":                        {kind: person, action: auth.View, target: list, req: get("/maintenance")},
	"POST /api/v1/maintenance": {kind: person, action: auth.Silence, target: matcher,
		req: newSilence("/api/v1/maintenance", "application/json", `{"region":"REGION","start":"2026-11-01 07:00","end":"2026-11-01 09:00","comment":"branch refit"}`)},
	"POST /maintenance":               {kind: person, action: auth.Silence, target: matcher, req: newSilence("/maintenance", form, "region=REGION&start=2026-11-01T07:00&end=2026-11-01T09:00&comment=refit")},
	"DELETE /api/v1/maintenance/{id}": {kind: person, action: auth.Silence, target: window, req: onWindow(http.MethodDelete, "/api/v1/maintenance/{id}", "", "")},
	"POST /maintenance/{id}/delete":   {kind: person, action: auth.Silence, target: window, req: onWindow(http.MethodPost, "/maintenance/{id}/delete", form, "")},
	"POST /api/v1/enroll":             {kind: code, req: onBranch(http.MethodPost, "/api/v1/enroll", "application/json", `{"code":"not-a-code"}`)},
}

func (e *scopeEnv) do(r *http.Request, as string) *httptest.ResponseRecorder {
	if as != "" {
		r.SetBasicAuth(as, "pw")
	}
	w := httptest.NewRecorder()
	e.srv.Handler.ServeHTTP(w, r)
	return w
}

func ok(code int) bool { return code >= 200 && code < 400 }

func TestEveryRouteChecksEveryRolesScope(t *testing.T) {
	e := startScopeEnv(t)
	for pattern := range scopes {
		if !slices.Contains(e.srv.routes, pattern) {
			t.Errorf("the scope table names %q, which the server does not register (renamed?)", pattern)
		}
	}
	for _, pattern := range e.srv.routes {
		sc, decided := scopes[pattern]
		if !decided {
			t.Errorf("route %q has no scope decision: add it to the scopes table with who may use it", pattern)
			continue
		}
		t.Run(pattern, func(t *testing.T) {
			if sc.kind == adminOnly {
				checkAdminOnly(t, e, sc)
				return
			}
			if sc.kind != person {
				for _, p := range people {
					w := e.do(sc.req(t, e, true), p.Name)
					if got := ok(w.Code); got != (sc.kind == public) {
						t.Errorf("%s's login on a %s route answered %d %q", p.Name, sc.kind, w.Code, w.Body)
					}
				}
				return
			}
			if w := e.do(sc.req(t, e, true), ""); w.Code != http.StatusUnauthorized {
				t.Errorf("without a login: %d, want 401", w.Code)
			}
			for _, p := range people {
				t.Run(string(p.Role), func(t *testing.T) { checkRole(t, e, sc, p) })
			}
		})
	}
}

// checkAdminOnly holds an admin route to: 401 without a login, 403 for
// every role but admin, and for admin an answer that is not a refusal.
func checkAdminOnly(t *testing.T, e *scopeEnv, sc routeScope) {
	if w := e.do(sc.req(t, e, true), ""); w.Code != http.StatusUnauthorized {
		t.Errorf("without a login: %d, want 401", w.Code)
	}
	for _, p := range people {
		w := e.do(sc.req(t, e, true), p.Name)
		refused := w.Code == http.StatusUnauthorized || w.Code == http.StatusForbidden
		if refused != (p.Role != auth.Admin) {
			t.Errorf("%s (%s): %d %q; only admins may use it", p.Name, p.Role, w.Code, w.Body)
		}
	}
}

// checkRole holds one route to one role's decision: 403 without the role's
// grant, success in scope, 404 (or 403 for a silence's body) out of it, and
// lists without the branch out of scope.
func checkRole(t *testing.T, e *scopeEnv, sc routeScope, p auth.Person) {
	w := e.do(sc.req(t, e, true), p.Name)
	if !p.Role.Can(sc.action) {
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "may not") {
			t.Errorf("a role that may not %s: %d %q, want 403 saying why", sc.action, w.Code, w.Body)
		}
		return
	}
	if !ok(w.Code) {
		t.Fatalf("in scope: %d %q, want success", w.Code, w.Body)
	}
	switch sc.target {
	case list:
		body := w.Body.String()
		if !strings.Contains(body, inBranch) && !strings.Contains(body, inRegion) {
			t.Errorf("the list lacks the branch in scope:\n%s", body)
		}
		if shows := strings.Contains(body, outBranch) || strings.Contains(body, outRegion); shows != p.Everywhere() {
			t.Errorf("the list shows the branch out of scope: %v, want %v:\n%s", shows, p.Everywhere(), body)
		}
	case branch, incident, silence, window, matcher:
		w := e.do(sc.req(t, e, false), p.Name)
		want := http.StatusNotFound
		if sc.target == matcher {
			want = http.StatusForbidden
		}
		switch {
		case p.Everywhere() && !ok(w.Code):
			t.Errorf("the other branch for a bank-wide role: %d %q, want success", w.Code, w.Body)
		case !p.Everywhere() && w.Code != want:
			t.Errorf("out of scope: %d %q, want %d", w.Code, w.Body, want)
		case !p.Everywhere() && want == http.StatusNotFound && strings.Contains(w.Body.String(), url.PathEscape(outRegion)):
			t.Errorf("the 404 reveals the region: %q", w.Body)
		}
	}
}
