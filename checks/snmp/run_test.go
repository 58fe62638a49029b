package snmp

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/result"
	"github.com/gosnmp/gosnmp"
)

func mustNew(t *testing.T, c Config, env map[string]string) *Check {
	t.Helper()
	chk, err := New(c, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return chk
}

func runWith(t *testing.T, chk *Check, f *fakeAgent) (result.Status, string, map[string]float64) {
	t.Helper()
	chk.dial = f.dial
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	o := chk.Run(ctx)
	return o.Status, o.Reason, o.Observations
}

const (
	printerStatus1 = oidHrPrinterStatus + ".1"
	printerErrors1 = oidHrPrinterErrors + ".1"
)

func TestPresetsJudgeWhatTheDeviceReports(t *testing.T) {
	floatp := func(f float64) *float64 { return &f }
	for _, tc := range []struct {
		name   string
		config Config
		vars   []gosnmp.SnmpPDU
		status result.Status
		reason string
	}{
		{"an idle printer without errors is ok", Config{Preset: "printer"},
			[]gosnmp.SnmpPDU{integer(printerStatus1, 3), octets(printerErrors1, 0, 0)},
			result.StatusOK, "printer at 10.1.2.3: idle"},
		{"a printer warming up is degraded", Config{Preset: "printer"},
			[]gosnmp.SnmpPDU{integer(printerStatus1, 5)},
			result.StatusDegraded, "printer at 10.1.2.3: warming up"},
		{"bit 0 is the most significant bit of the first octet: paper low", Config{Preset: "printer"},
			[]gosnmp.SnmpPDU{integer(printerStatus1, 3), octets(printerErrors1, 0x80)},
			result.StatusDegraded, "printer at 10.1.2.3: paper low"},
		{"no paper and low toner fail and name both, worst first", Config{Preset: "printer"},
			[]gosnmp.SnmpPDU{integer(printerStatus1, 3), octets(printerErrors1, 0x60)},
			result.StatusFail, "printer at 10.1.2.3: no paper; toner low"},
		{"bits in the second octet count on from 8: output tray full", Config{Preset: "printer"},
			[]gosnmp.SnmpPDU{integer(printerStatus1, 3), octets(printerErrors1, 0x00, 0x08)},
			result.StatusFail, "printer at 10.1.2.3: output tray full"},
		{"a critical printer alert fails with its description", Config{Preset: "printer"},
			[]gosnmp.SnmpPDU{integer(printerStatus1, 3), integer(oidPrtAlertSeverity+".1.7", 3), text(oidPrtAlertDescr+".1.7", "Cover open")},
			result.StatusFail, "printer at 10.1.2.3: alert: Cover open"},
		{"the printer's own device row counts but its network port does not", Config{Preset: "printer"},
			[]gosnmp.SnmpPDU{
				integer(printerStatus1, 1), integer(oidHrDeviceStatus+".1", 5), text(oidHrDeviceDescr+".1", "LaserJet 4250"),
				integer(oidHrDeviceStatus+".2", 5), text(oidHrDeviceDescr+".2", "eth1"),
			},
			result.StatusFail, "printer at 10.1.2.3: LaserJet 4250: down"},
		{"a host with a device down fails naming it", Config{Preset: "host"},
			[]gosnmp.SnmpPDU{integer(oidHrDeviceStatus+".7", 2), integer(oidHrDeviceStatus+".9", 5), text(oidHrDeviceDescr+".9", "network interface eth1")},
			result.StatusFail, "device at 10.1.2.3: network interface eth1: down"},
		{"a UPS on battery is degraded", Config{Preset: "ups"},
			[]gosnmp.SnmpPDU{integer(oidUpsBatteryStatus, 2), integer(oidUpsOutputSource, 5), integer(oidUpsMinutesLeft, 40)},
			result.StatusDegraded, "UPS at 10.1.2.3: UPS is running on battery"},
		{"a UPS with a depleted battery and 3 minutes left fails", Config{Preset: "ups"},
			[]gosnmp.SnmpPDU{integer(oidUpsBatteryStatus, 4), integer(oidUpsOutputSource, 5), integer(oidUpsMinutesLeft, 3)},
			result.StatusFail, "UPS at 10.1.2.3: battery depleted; only 3 minutes of battery left; UPS is running on battery"},
		{"a device without any of the preset's OIDs is unknown, never failed", Config{Preset: "ups"},
			nil, result.StatusUnknown, "UPS at 10.1.2.3: battery, output source not supported by this device"},
		{"a device lacking one required OID is degraded", Config{Preset: "ups"},
			[]gosnmp.SnmpPDU{integer(oidUpsBatteryStatus, 2)},
			result.StatusDegraded, "UPS at 10.1.2.3: output source not supported by this device"},
		{"a range rule reports the value", Config{OIDs: []OID{{OID: "1.3.6.1.4.1.9.1.0", Name: "toner", Rules: []Rule{
			{Max: floatp(10), Status: "degraded", Reason: "{name} at {value}%"}}}}},
			[]gosnmp.SnmpPDU{integer("1.3.6.1.4.1.9.1.0", 7)},
			result.StatusDegraded, "device at 10.1.2.3: toner at 7%"},
		{"not_equals matches any other text", Config{OIDs: []OID{{OID: "1.3.6.1.4.1.9.2.0", Name: "mode", Rules: []Rule{
			{NotEquals: []string{"online"}, Status: "fail", Reason: "{name} is {value}"}}}}},
			[]gosnmp.SnmpPDU{text("1.3.6.1.4.1.9.2.0", "maintenance")},
			result.StatusFail, "device at 10.1.2.3: mode is maintenance"},
		{"equals accepts hex for a binary OCTET STRING", Config{OIDs: []OID{{OID: "1.3.6.1.4.1.9.3.0", Name: "flags", Rules: []Rule{
			{Equals: []string{"0x01ff"}, Status: "degraded"}}}}},
			[]gosnmp.SnmpPDU{octets("1.3.6.1.4.1.9.3.0", 0x01, 0xff)},
			result.StatusDegraded, "device at 10.1.2.3: flags 01 ff"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.config.Address = "10.1.2.3"
			status, reason, _ := runWith(t, mustNew(t, tc.config, nil), newFake(tc.vars...))
			if status != tc.status || reason != tc.reason {
				t.Errorf("got %s %q\nwant %s %q", status, reason, tc.status, tc.reason)
			}
		})
	}
}

func TestARestartSinceTheLastRunIsDegradedOnce(t *testing.T) {
	chk := mustNew(t, Config{Address: "10.1.2.3", Preset: "printer"}, nil)
	f := newFake(integer(printerStatus1, 3), ticks(500000))
	if s, r, _ := runWith(t, chk, f); s != result.StatusOK {
		t.Fatalf("first run: %s %q", s, r)
	}
	f.set(ticks(4 * 60 * 100)) // 4 minutes of uptime: it went back
	s, r, obs := runWith(t, chk, f)
	if s != result.StatusDegraded || r != "printer at 10.1.2.3: restarted 4 minutes ago" {
		t.Errorf("after restart: %s %q", s, r)
	}
	if obs["uptime_seconds"] != 240 {
		t.Errorf("uptime_seconds = %v, want 240", obs["uptime_seconds"])
	}
	f.set(ticks(5 * 60 * 100))
	if s, r, _ := runWith(t, chk, f); s != result.StatusOK {
		t.Errorf("run after that: %s %q, want ok", s, r)
	}
}

func TestIgnoreRestartDoesNotAskForSysUpTime(t *testing.T) {
	chk := mustNew(t, Config{Address: "10.1.2.3", Preset: "ups", IgnoreRestart: true}, nil)
	f := newFake(integer(oidUpsBatteryStatus, 2), integer(oidUpsOutputSource, 3))
	runWith(t, chk, f)
	if strings.Contains(strings.Join(f.asked, ","), oidSysUpTime) {
		t.Errorf("asked for sysUpTime: %v", f.asked)
	}
}

func TestTheUPSReportsMinutesRemainingAsAnObservation(t *testing.T) {
	chk := mustNew(t, Config{Address: "10.1.2.3", Preset: "ups"}, nil)
	_, _, obs := runWith(t, chk, newFake(integer(oidUpsBatteryStatus, 2), integer(oidUpsOutputSource, 3), integer(oidUpsMinutesLeft, 42)))
	if obs["ups_minutes_remaining"] != 42 {
		t.Errorf("observations %v: want ups_minutes_remaining 42", obs)
	}
}

func TestErrorsBecomeReasons(t *testing.T) {
	env := map[string]string{"AUTH": "s3cret-auth-pw", "PRIV": "s3cret-priv-pw"}
	v3 := Config{Address: "10.1.2.3", Version: "3", User: "monitor", AuthPasswordEnv: "AUTH", PrivPasswordEnv: "PRIV", Preset: "printer"}
	for _, tc := range []struct {
		name   string
		err    error
		status result.Status
		reason string
	}{
		{"a timeout names the address and the time allowed", context.DeadlineExceeded, result.StatusFail,
			"printer at 10.1.2.3 did not answer SNMP within 2s"},
		{"a wrong password is a set-up problem, not a broken printer", gosnmp.ErrWrongDigest, result.StatusUnknown,
			`printer at 10.1.2.3 rejected the SNMPv3 authentication password of user "monitor": fix auth_password_env`},
		{"an unknown user is a set-up problem", gosnmp.ErrUnknownUsername, result.StatusUnknown,
			`printer at 10.1.2.3 does not know the SNMPv3 user "monitor": fix the user on the device or in the check`},
		{"a library error never shows a password", errors.New("bad key s3cret-auth-pw / s3cret-priv-pw"), result.StatusFail,
			"printer at 10.1.2.3: SNMP request failed: bad key <secret> / <secret>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			f.err = tc.err
			status, reason, _ := runWith(t, mustNew(t, v3, env), f)
			if status != tc.status || reason != tc.reason {
				t.Errorf("got %s %q\nwant %s %q", status, reason, tc.status, tc.reason)
			}
		})
	}
}

func TestACancelledRunClosesTheSocket(t *testing.T) {
	chk := mustNew(t, Config{Address: "10.1.2.3", Preset: "printer"}, nil)
	f := newFake()
	f.hang = true
	chk.dial = f.dial
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o := chk.Run(ctx)
	select {
	case <-f.closed:
	default:
		t.Error("the client was not closed")
	}
	if o.Status != result.StatusFail {
		t.Errorf("got %s %q, want fail", o.Status, o.Reason)
	}
}
