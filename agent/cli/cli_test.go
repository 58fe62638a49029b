package cli

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestValidateSaysWhatWillBeCheckedAndWhen(t *testing.T) {
	code, out, errs := runCLI("validate", "-c", "../../configs/examples/london-bank-street.yaml")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"ok: ../../configs/examples/london-bank-street.yaml", "6 devices, 6 checks (http 2, manual 2, tcp 2)",
		"next pre-opening sweep: ", "(branch-local), opening 09:", "ready by 0"} {
		if !strings.Contains(out, want) {
			t.Errorf("validate output lacks %q:\n%s", want, out)
		}
	}
}

func TestValidateWarnsAboutATimeoutTheModemCannotMeet(t *testing.T) {
	p := writeFile(t, "b.yaml", `branch: {id: b, name: B, timezone: UTC, hours: {mon: "09:00-17:00"}}
devices:
  - id: phone-line
    kind: phone_line
    checks:
      - name: dial-tone
        modem: {port: /dev/ttyACM0}
`)
	code, out, errs := runCLI("validate", "-c", p)
	if code != 0 {
		t.Fatalf("exit %d, want 0 (a warning is not an error): %s", code, errs)
	}
	want := "warning: " + p + ":7: devices[0].checks[0].modem.dial_timeout: 10s is not below the check's timeout (10s)"
	if !strings.Contains(out, want) {
		t.Errorf("validate output lacks %q:\n%s", want, out)
	}
}

func TestValidateListsEveryErrorWithFileAndLine(t *testing.T) {
	p := writeFile(t, "bad.yaml", "branch:\n  id: x\n  name: X\n  timezone: Mars/Base\n  hours: {mon: \"09:00-17:00\"}\ndevices:\n  - {id: a, kind: robot, checks: [{name: c, tcp: {address: nowhere}}]}\n")
	code, _, errs := runCLI("validate", "-c", p)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	want := p + `:4: branch.timezone: "Mars/Base": unknown time zone (use an IANA name such as Europe/London)
` + p + `:7: devices[0].kind: "robot": must be one of atm, kiosk, counter, phone_line, banking_pc, signage, printer, ups, network, other
`
	if errs != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", errs, want)
	}
}

func TestCheckPrintsATableAndFailsWhenABlockingCheckFails(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	p := writeFile(t, "b.yaml", `branch: {id: b, name: B, timezone: UTC, hours: {mon: "09:00-17:00"}}
devices:
  - {id: up, kind: atm, checks: [{name: port, timeout: 2s, tcp: {address: "`+l.Addr().String()+`"}}]}
  - {id: down, kind: atm, checks: [{name: port, timeout: 2s, tcp: {address: "127.0.0.1:1"}}]}
`)
	code, out, _ := runCLI("check", "-c", p)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (a blocking check failed):\n%s", code, out)
	}
	for _, want := range []string{"running 2 checks of branch b...", "OK        up / port", "FAIL      down / port", "connection refused",
		"2 checks: 1 ok, 0 degraded, 1 failed, 0 unknown", "NOT READY: blocking checks not passing: down/port"} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runCLI("check", "-c", p, "--device", "up", "--json")
	if code != 0 || !strings.Contains(out, `"ready": true`) {
		t.Errorf("check --device up --json: exit %d\n%s", code, out)
	}
}

func TestValidateReturnsForABranchOpenAroundTheClock(t *testing.T) {
	p := writeFile(t, "24h.yaml", `branch:
  id: lobby
  name: Self-service lobby
  timezone: Europe/London
  hours: {mon: "00:00-24:00", tue: "00:00-24:00", wed: "00:00-24:00", thu: "00:00-24:00", fri: "00:00-24:00", sat: "00:00-24:00", sun: "00:00-24:00"}
devices:
  - {id: atm, kind: atm, checks: [{name: port, tcp: {address: "127.0.0.1:1"}}]}
`)
	done := make(chan struct{})
	var code int
	var out, errs string
	go func() {
		defer close(done)
		code, out, errs = runCLI("validate", "-c", p)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("validate did not return within a minute for a 24-hour branch")
	}
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if want := "open around the clock, daily check at 06:00, ready by 05:45"; !strings.Contains(out, want) {
		t.Errorf("validate output lacks %q:\n%s", want, out)
	}
}

func TestACommandsHelpExitsZeroAndAMistakeTwo(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"run", "-h"}, 0, "Usage: branchready-agent run"},
		{[]string{"enroll", "-h"}, 0, "Usage: branchready-agent enroll"},
		{[]string{"run", "--bogus"}, 2, "flag provided but not defined: -bogus"},
	} {
		code, _, errs := runCLI(c.args...)
		if code != c.code || !strings.Contains(errs, c.err) {
			t.Errorf("%v: exit %d, want %d; stderr %q, want it to contain %q", c.args, code, c.code, errs, c.err)
		}
	}
}
