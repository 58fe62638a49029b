package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/branchready/branchready/agent"
	"github.com/branchready/branchready/config"
)

// Every invalid file maps to its exact messages: the whole list, in order,
// because a user fixing a config wants every problem at once.
func TestInvalidConfigsReportEveryProblemWithFileAndLine(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"unknown-key.yaml", []string{
			`testdata/invalid/unknown-key.yaml:6: branch.opening_lead: unknown key`,
			`testdata/invalid/unknown-key.yaml:12: devices[0].checks[0].tcp.adress: unknown key (did you mean "address"?)`,
		}},
		{"many-errors.yaml", []string{
			`testdata/invalid/many-errors.yaml:2: branch.id: "B 1": must be 1-64 lowercase letters, digits, '.', '_' or '-', not starting with '.' or '-'`,
			`testdata/invalid/many-errors.yaml:3: branch.name: must be set`,
			`testdata/invalid/many-errors.yaml:4: branch.timezone: "Europe/Londn": unknown time zone (use an IANA name such as Europe/London)`,
			`testdata/invalid/many-errors.yaml:6: branch.hours.mon: "9-17": must be HH:MM-HH:MM (e.g. 09:00-17:00) or closed`,
			`testdata/invalid/many-errors.yaml:8: branch.lead: 2h0m0s: must not exceed sweep_start (1h0m0s), or the pre-opening sweep would start after the deadline`,
			`testdata/invalid/many-errors.yaml:11: devices[0].kind: "cashpoint": must be one of atm, kiosk, counter, phone_line, banking_pc, signage, printer, ups, network, other`,
			`testdata/invalid/many-errors.yaml:12: devices[0].criticality: "vital": must be blocking, degrading or informational`,
			`testdata/invalid/many-errors.yaml:17: devices[0].checks[1].name: "reachable": already used by checks[0]`,
			`testdata/invalid/many-errors.yaml:17: devices[0].checks[1]: more than one check kind (tcp, http): set exactly one`,
			`testdata/invalid/many-errors.yaml:20: devices[1].id: "atm-01": already used by devices[0]`,
			`testdata/invalid/many-errors.yaml:22: devices[1].checks: device "atm-01" has no checks`,
		}},
		{"wrong-types.yaml", []string{
			`testdata/invalid/wrong-types.yaml:6: branch.lead: "fifteen minutes": must be a duration such as 500ms, 30s or 5m`,
			`testdata/invalid/wrong-types.yaml:8: agent.concurrency: "many": must be a whole number`,
		}},
		{"syntax.yaml", []string{
			`testdata/invalid/syntax.yaml:3: invalid YAML: mapping values are not allowed in this context`,
		}},
		{"groups.yaml", []string{
			`testdata/invalid/groups.yaml:17: groups[0].devices[1]: "atm-03": no such device in this branch`,
			`testdata/invalid/groups.yaml:18: groups[0].min: 3: must be 1 to the number of devices (2)`,
			`testdata/invalid/groups.yaml:19: groups[1].name: "atms": already used by groups[0]`,
			`testdata/invalid/groups.yaml:21: groups[1].devices[0]: "atm-01": already in group "atms"; a device belongs to one group at most`,
			`testdata/invalid/groups.yaml:23: groups[1].criticality: "vital": must be blocking, degrading or informational`,
		}},
		{"maintenance.yaml", []string{
			`testdata/invalid/maintenance.yaml:12: maintenance[0].end: "2026-03-01 05:00": must be after start`,
			`testdata/invalid/maintenance.yaml:12: maintenance[0].devices[0]: "atm-09": no such device in this branch`,
			`testdata/invalid/maintenance.yaml:13: maintenance[1].weekday: "sunday": must be mon, tue, wed, thu, fri, sat or sun`,
			`testdata/invalid/maintenance.yaml:13: maintenance[1].at: "25:00": must be HH:MM`,
			`testdata/invalid/maintenance.yaml:13: maintenance[1].for: 0s: must be more than 0 and at most 168h`,
			`testdata/invalid/maintenance.yaml:14: maintenance[2]: set either start and end (one-off) or weekday, at and for (recurring)`,
		}},
		{"token-twice.yaml", []string{
			`testdata/invalid/token-twice.yaml:6: collector: set only one of token, token_file and token_env`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			_, err := config.Load(filepath.Join("testdata", "invalid", tc.file))
			if err == nil {
				t.Fatal("loaded without error")
			}
			got := strings.Split(err.Error(), "\n")
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("errors\n got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// Check kinds validate their options in their factories; those errors carry
// the full path and line too.
func TestCheckOptionErrorsNameTheOption(t *testing.T) {
	l, err := config.Parse("branch.yaml", []byte(`branch:
  id: b1
  name: B1
  timezone: Europe/London
  hours: {mon: "09:00-17:00"}
devices:
  - id: web
    kind: banking_pc
    checks:
      - name: login
        http: {url: "ftp://x", status: [200, 999], body_regex: "([a-z"}
      - name: port
        tcp:
          address: "no-port"
`), os.Getenv, os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	_, err = agent.Compile(l, nil)
	want := []string{
		`branch.yaml:11: devices[0].checks[0].http.url: "ftp://x": must be an absolute http:// or https:// URL`,
		`branch.yaml:11: devices[0].checks[0].http.status[1]: 999: must be an HTTP status 100-599`,
		`branch.yaml:11: devices[0].checks[0].http.body_regex: "([a-z": invalid regular expression: error parsing regexp: missing closing ]: ` + "`[a-z`",
		`branch.yaml:14: devices[0].checks[1].tcp.address: "no-port": must be host:port`,
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Errorf("errors\n got:\n%v\nwant:\n%s", err, strings.Join(want, "\n"))
	}
}

func TestTokenIsReadFromItsSourceAndNeverPrinted(t *testing.T) {
	const token = "s3cr3t-t0ken-0123456789"
	src := []byte(`branch: {id: b1, name: B1, timezone: Europe/London, hours: {mon: "09:00-17:00"}}
collector: {url: "https://c.example", token_env: BR_TOKEN}
devices: [{id: d, kind: atm, checks: [{name: t, tcp: {address: "127.0.0.1:1"}}]}]
`)
	l, err := config.Parse("b.yaml", src, func(k string) string {
		if k == "BR_TOKEN" {
			return token
		}
		return ""
	}, os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	if l.Token.Reveal() != token {
		t.Fatalf("token not resolved from the environment")
	}
	for _, s := range []string{l.Token.String(), strings.TrimSpace(string(must(l.Token.MarshalJSON())))} {
		if strings.Contains(s, token) {
			t.Errorf("token printed: %s", s)
		}
	}
	_, err = config.Parse("b.yaml", src, func(string) string { return "" }, os.ReadFile)
	if err != nil {
		t.Fatalf("a missing token is not a config error: %v", err)
	}
	l, _ = config.Parse("b.yaml", src, func(string) string { return "" }, os.ReadFile)
	if l.TokenErr == nil || !strings.Contains(l.TokenErr.Error(), "b.yaml:2: collector.token_env: environment variable BR_TOKEN is empty or not set") {
		t.Errorf("token error %v", l.TokenErr)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestErrorsAreStrictYAMLErrors(t *testing.T) {
	_, err := config.Load("testdata/invalid/unknown-key.yaml")
	var target interface{ Error() string }
	if !errors.As(err, &target) {
		t.Fatal("not an error")
	}
}
