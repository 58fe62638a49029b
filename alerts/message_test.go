package alerts_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/strictyaml"
)

// firstPost fires the ATM before opening and returns its first message.
func firstPost(t *testing.T, cfg alerts.Config) (notify.Message, *alerts.Branch) {
	t.Helper()
	p, b := newPolicy(t, cfg), london(t)
	var o alerts.Outcome
	for _, s := range []string{"08:12", "08:17"} {
		now := local(t, "Europe/London", "2026-03-02 "+s)
		b.LastHeard = now
		o = p.Observe(b, fail("atm-02", "service", "cannot dispense: cassette jammed", now), now)
	}
	if len(o.Messages) != 1 {
		t.Fatalf("messages %q", says(o.Messages))
	}
	return o.Messages[0], b
}

func TestTheFirstMessageTellsALobbyManagerWhatToDo(t *testing.T) {
	m, b := firstPost(t, testConfig())
	for _, want := range []string{
		"London Bridge (lon-01): atm-02 service failing",
		"cannot dispense: cassette jammed",
		"Since: 08:12 (5 min ago)",
		"28 min left until the readiness deadline at 08:45 (doors open 09:00)",
		"about 38 customers an hour go to the counter while atm-02 is down",
		"What to do: Power-cycle the ATM from the rear switch.",
		"https://board.example/branches/lon-01",
	} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the message lacks %q:\n%s", want, m.Text)
		}
	}
	inc := only(t, b, "atm-02")
	if m.Op != notify.Post || m.IncidentID != inc.ID || m.Severity != "critical" || m.State != "firing" || m.Link != "https://board.example/branches/lon-01" {
		t.Errorf("message %+v", m)
	}
	if len(m.Button) != 2 || m.Button[0].Action != "ack" || m.Button[1].Value != inc.ID+"/30m0s" {
		t.Errorf("buttons %+v", m.Button)
	}
}

func TestARouteInChineseGetsChinese(t *testing.T) {
	cfg := testConfig()
	cfg.Routing.Branches["lon-01"][0].Locale = "zh-CN"
	m, _ := firstPost(t, cfg)
	for _, want := range []string{"atm-02 的 service 检查失败", "每小时约有 38 位客户转到柜台", "处理办法："} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the message lacks %q:\n%s", want, m.Text)
		}
	}
}

func TestAnIncidentSurvivesJSON(t *testing.T) {
	_, b := firstPost(t, testConfig())
	inc := only(t, b, "atm-02")
	data, err := json.Marshal(inc)
	if err != nil {
		t.Fatal(err)
	}
	var back alerts.Incident
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(&back)
	if string(again) != string(data) || !back.Since.Equal(inc.Since) || !reflect.DeepEqual(back.Notified, inc.Notified) {
		t.Errorf("round trip changed the incident:\n%s\n%s", data, again)
	}
}

func TestConfigProblemsNameTheirPath(t *testing.T) {
	cfg := alerts.Config{
		Locale:           "fr",
		ReminderInterval: -1,
		Escalation:       []alerts.EscalationStep{{Before: 15 * 60e9, To: "branch"}, {Before: 30 * 60e9, To: "boss"}},
		Routing: alerts.Routing{
			Branches: map[string][]alerts.Target{"lon-01": {{Notifier: "teams", Target: "x"}, {Notifier: "slack"}}},
			Regions:  map[string][]alerts.Target{"south": {{Notifier: "webhook:ops", Locale: "de"}}},
		},
		Maintenance: []alerts.Maintenance{{Matcher: alerts.Matcher{Device: "atm-["}, Start: "2026-03-02T08:00:00Z", End: "2026-03-02T07:00:00Z"}},
	}.WithDefaults()
	p := &strictyaml.Problems{File: "collector.yaml"}
	cfg.Validate(p, "alerts", func(n string) bool { return n == "slack" })
	var got []string
	for _, e := range p.Errs {
		got = append(got, e.Path+": "+e.Msg)
	}
	sameLines(t, "problems", got, []string{
		`alerts.locale: "fr": no templates for it; use en or zh-CN or add templates.fr`,
		`alerts.reminder_interval: -1ns: must be at least 1m`,
		`alerts.escalation[1].before: 30m0s: list steps from the earliest to the latest: must be less than the step before (15m0s)`,
		`alerts.escalation[1].to: "boss": must be branch, region or operations`,
		`alerts.routing.branches.lon-01[0].notifier: "teams": must be slack, webhook:NAME or board`,
		`alerts.routing.branches.lon-01[1].target: must name the Slack channel (an id such as C0123ABCD, or #name)`,
		`alerts.routing.regions.south[0].notifier: "webhook:ops": not configured`,
		`alerts.routing.regions.south[0].locale: "de": no templates for it; use en, zh-CN`,
		`alerts.routing.default: must list at least one target: branches without their own channel, and operations when it is unset, use it`,
		`alerts.maintenance[0].device: "atm-[": not a valid pattern: syntax error in pattern`,
		`alerts.maintenance[0].end: "2026-03-02T07:00:00Z": must be after start (2026-03-02T08:00:00Z)`,
	})
	t.Run("the test configuration is valid", func(t *testing.T) {
		c := testConfig().WithDefaults()
		p := &strictyaml.Problems{}
		c.Validate(p, "alerts", nil)
		if len(p.Errs) > 0 {
			t.Error(p.Errs)
		}
	})
}
