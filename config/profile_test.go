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

func TestProfileVarsHaveDefaultsADeviceMayOverride(t *testing.T) {
	src := `branch: {id: b, name: B, timezone: Europe/London, hours: {mon: "09:00-17:00"}}
devices:
  - {id: prn-1, profile: printer, vars: {host: 10.20.1.31}}
  - id: prn-2
    profile: printer
    vars: {host: 10.20.1.32, snmp_port: "1161", snmp_version: "3", snmp_user: monitor, auth_password_env: PRN_AUTH}
  - {id: atm-1, profile: atm, vars: {host: 10.20.1.11, xfs4iot_port: "5848", tcp_port: "8443"}}
  - {id: cnt-1, profile: counter, vars: {port: /dev/ttyUSB0, preset: id003}}
`
	l, err := config.Parse("b.yaml", []byte(src), os.Getenv, os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	d := l.File.Devices
	if s := d[0].Checks[0].SNMP; s.Address != "10.20.1.31:161" || s.Version != "2c" || s.Community != "public" || s.User != "" {
		t.Errorf("printer with defaults: %+v", *s)
	}
	if s := d[1].Checks[0].SNMP; s.Address != "10.20.1.32:1161" || s.Version != "3" || s.User != "monitor" || s.AuthPasswordEnv != "PRN_AUTH" {
		t.Errorf("printer with its own SNMPv3 user and port: %+v", *s)
	}
	if tc, x := d[2].Checks[1].TCP, d[2].Checks[2].XFS4IoT; tc.Address != "10.20.1.11:8443" || x.Port != 5848 || x.TLS {
		t.Errorf("atm ports: tcp %s, xfs4iot %d tls %v", tc.Address, x.Port, x.TLS)
	}
	if s := d[3].Checks[0].Serial; s.Preset != "id003" || s.BaudRate != 9600 {
		t.Errorf("counter: preset %s baud %d", s.Preset, s.BaudRate)
	}
}
