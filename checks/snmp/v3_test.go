package snmp

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

func TestSnmpdOverV3AndTheWaysItFails(t *testing.T) {
	_, rec, _ := readCase(t, "ups-on-battery")
	addr := startSnmpd(t, rec)
	env := map[string]string{
		"SHA_PW": "auth-pass-sha", "AES_PW": "priv-pass-aes", "MD5_PW": "auth-pass-md5", "DES_PW": "priv-pass-des",
		"WRONG_PW": "not-the-password",
	}
	v3 := func(user, auth, authEnv, priv, privEnv string) Config {
		return Config{Address: addr, Version: "3", User: user, AuthProtocol: auth, AuthPasswordEnv: authEnv,
			PrivProtocol: priv, PrivPasswordEnv: privEnv, Preset: "ups"}
	}
	onBattery := fmt.Sprintf("UPS at %s: UPS is running on battery", addr)
	for _, tc := range []struct {
		name, status, reason string
		config               Config
	}{
		{"a SHA and AES user reads the UPS", "degraded", onBattery, v3("monitor", "SHA", "SHA_PW", "AES", "AES_PW")},
		{"an MD5 and DES user reads the UPS", "degraded", onBattery, v3("legacy", "MD5", "MD5_PW", "DES", "DES_PW")},
		{"a wrong authentication password is a set-up problem", "unknown",
			fmt.Sprintf(`UPS at %s rejected SNMPv3 user "monitor": unknown user or wrong authentication password (check user and auth_password_env)`, addr),
			v3("monitor", "SHA", "WRONG_PW", "AES", "AES_PW")},
		{"an unknown user is a set-up problem", "unknown",
			fmt.Sprintf(`UPS at %s rejected SNMPv3 user "intruder": unknown user or wrong authentication password (check user and auth_password_env)`, addr),
			v3("intruder", "SHA", "SHA_PW", "AES", "AES_PW")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chk, err := New(tc.config, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
			if err != nil {
				t.Fatal(err)
			}
			status, reason := run(chk, 3*time.Second)
			if status != tc.status || reason != tc.reason {
				t.Errorf("got %s %q\nwant %s %q", status, reason, tc.status, tc.reason)
			}
			for _, pw := range env {
				if strings.Contains(reason, pw) {
					t.Errorf("reason %q shows a password", reason)
				}
			}
		})
	}
}

func TestASilentAgentTimesOutWithinTheCheckTimeout(t *testing.T) {
	silent, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	addr := silent.LocalAddr().String()
	chk := mustNew(t, Config{Address: addr, Preset: "printer"}, nil)
	status, reason := run(chk, 300*time.Millisecond)
	if want := "printer at " + addr + " did not answer SNMP within 300ms"; status != "fail" || reason != want {
		t.Errorf("got %s %q, want fail %q", status, reason, want)
	}
}

func TestAPortWithoutAgentIsRefused(t *testing.T) {
	addr := fmt.Sprintf("127.0.0.1:%d", freeUDPPort(t))
	chk := mustNew(t, Config{Address: addr, Preset: "ups"}, nil)
	status, reason := run(chk, 2*time.Second)
	if !strings.Contains(reason, "refused SNMP on port") || status != "fail" {
		t.Errorf("got %s %q, want fail ... refused SNMP on port", status, reason)
	}
}
