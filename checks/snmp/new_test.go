package snmp

import (
	"strings"
	"testing"
)

func TestNewReportsEveryProblemWithItsOption(t *testing.T) {
	env := map[string]string{"SHORT": "abc", "GOOD": "long-enough-pw"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	for _, tc := range []struct {
		name   string
		config Config
		want   []string
	}{
		{"an empty check asks for an address and something to read", Config{},
			[]string{"address: must be set to the device's host or IP", "oids: set a preset or at least one OID to read"}},
		{"an unknown preset lists the valid ones", Config{Address: "p1", Preset: "fax"},
			[]string{`preset: "fax": must be one of host, printer, ups`}},
		{"a MIB name instead of a numeric OID is refused", Config{Address: "p1", OIDs: []OID{{OID: "sysUpTime.0"}}},
			[]string{`oids[0].oid: "sysUpTime.0": must be a numeric OID such as 1.3.6.1.2.1.1.3.0 (MIB names are not supported)`}},
		{"a rule needs a valid status and a condition", Config{Address: "p1", OIDs: []OID{{OID: "1.3.6.1.2.1.1.3.0", Rules: []Rule{{Status: "bad"}}}}},
			[]string{`oids[0].rules[0].status: "bad": must be ok, degraded, fail or unknown`,
				"oids[0].rules[0].status: rule has no condition: set equals, not_equals, min, max or bits"}},
		{"a reason template with an unknown placeholder is refused", Config{Address: "p1", OIDs: []OID{{OID: "1.3.6.1.2.1.1.3.0", Rules: []Rule{{Equals: []string{"1"}, Status: "ok", Reason: "{nmae} ok"}}}}},
			[]string{`oids[0].rules[0].reason: "{nmae} ok": unknown placeholder {nmae} (use {name} {value} {label} {index} {oid} {detail} {bit})`}},
		{"a bad port is refused", Config{Address: "10.1.2.3:99999", Preset: "ups"},
			[]string{`address: "10.1.2.3:99999": port must be 1-65535`}},
		{"v3 needs a user, and an unset password variable is named without a value", Config{Address: "p1", Preset: "ups", Version: "3", AuthPasswordEnv: "MISSING"},
			[]string{"user: must be set for version 3", "auth_password_env: environment variable MISSING is not set"}},
		{"a short v3 password is refused without showing it", Config{Address: "p1", Preset: "ups", Version: "3", User: "u", AuthPasswordEnv: "SHORT"},
			[]string{"auth_password_env: the password in SHORT is shorter than 8 characters (SNMPv3 needs at least 8)"}},
		{"privacy without authentication is refused", Config{Address: "p1", Preset: "ups", Version: "3", User: "u", PrivPasswordEnv: "GOOD", PrivProtocol: "3DES"},
			[]string{"priv_password_env: needs auth_password_env too: SNMPv3 has no privacy without authentication",
				`priv_protocol: "3DES": must be AES, AES192, AES256 or DES`}},
		{"a v2c check cannot carry a v3 user", Config{Address: "p1", Preset: "ups", User: "u"},
			[]string{`version: "": user and passwords need version 3`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.config, lookup)
			if err == nil {
				t.Fatal("New accepted the config")
			}
			got := strings.Split(err.Error(), "\n")
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", err, strings.Join(tc.want, "\n"))
			}
			if strings.Contains(err.Error(), "long-enough-pw") || strings.Contains(err.Error(), "abc") {
				t.Errorf("a password leaked into %q", err)
			}
		})
	}
}

func TestNewAcceptsAFullV3Check(t *testing.T) {
	env := map[string]string{"A": "auth-password", "P": "priv-password"}
	chk, err := New(Config{Address: "[fe80::1]:1161", Version: "3", User: "monitor", AuthProtocol: "md5", AuthPasswordEnv: "A",
		PrivProtocol: "des", PrivPasswordEnv: "P", Preset: "printer"}, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	if got := chk.where(); got != "printer at [fe80::1]:1161" {
		t.Errorf("where() = %q", got)
	}
}
