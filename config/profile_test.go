package config_test

import (
	"os"
	"strings"
	"testing"

	"github.com/branchready/branchready/agent"
	"github.com/branchready/branchready/config"
)

// Every built-in profile expands and compiles for a device that sets its vars.
func TestBuiltInProfilesCompile(t *testing.T) {
	vars := `{host: 10.20.1.11, port: /dev/ttyUSB0, pbx: "10.20.1.2:5060", url: "https://online.bank.example/login"}`
	for _, name := range config.ProfileNames() {
		t.Run(name, func(t *testing.T) {
			src := `branch: {id: b, name: B, timezone: Europe/London, hours: {mon: "09:00-17:00"}}
devices:
  - {id: dev-1, profile: ` + name + `, vars: ` + vars + `}
`
			l, err := config.Parse("b.yaml", []byte(src), os.Getenv, os.ReadFile)
			if err != nil {
				t.Fatal(err)
			}
			d := l.File.Devices[0]
			if d.Kind == "" || d.Criticality == "" || len(d.Checks) == 0 {
				t.Fatalf("profile gave kind %q criticality %q and %d checks", d.Kind, d.Criticality, len(d.Checks))
			}
			if _, err := agent.Compile(l, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
	if len(config.ProfileNames()) < 9 {
		t.Errorf("profiles %v, want one per device kind", config.ProfileNames())
	}
}

func TestDeviceChecksOverrideTheProfile(t *testing.T) {
	src := `branch: {id: b, name: B, timezone: Europe/London, hours: {mon: "09:00-17:00"}}
devices:
  - id: atm-01
    profile: atm
    criticality: degrading
    vars: {host: 10.20.1.11}
    checks:
      - name: reachable
        tcp: {address: "10.20.1.11:8443"}
      - name: extra
        tcp: {address: "10.20.1.11:22"}
`
	l, err := config.Parse("b.yaml", []byte(src), os.Getenv, os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	d := l.File.Devices[0]
	var names []string
	for _, c := range d.Checks {
		names = append(names, c.Name)
		if c.Name == "reachable" && c.TCP.Address != "10.20.1.11:8443" {
			t.Errorf("reachable address %s, want the device's override", c.TCP.Address)
		}
	}
	if got := strings.Join(names, ","); got != "ping,reachable,device-status,extra" {
		t.Errorf("checks %s", got)
	}
	if d.Kind != "atm" || d.Criticality != "degrading" {
		t.Errorf("kind %s criticality %s: the profile's kind, the device's criticality", d.Kind, d.Criticality)
	}
}

func TestProfileErrorsSayWhatIsMissing(t *testing.T) {
	src := `branch: {id: b, name: B, timezone: Europe/London, hours: {mon: "09:00-17:00"}}
devices:
  - {id: a, profile: atm}
  - {id: b, profile: teller-robot}
`
	_, err := config.Parse("b.yaml", []byte(src), os.Getenv, os.ReadFile)
	want := `b.yaml:3: devices[0].profile: "atm": the profile needs vars: host (e.g. vars: {host: ...})
b.yaml:4: devices[1].profile: "teller-robot": no such profile; built-in profiles are atm, banking_pc, counter, kiosk, phone_line_analog, phone_line_voip, printer, signage, ups`
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}
