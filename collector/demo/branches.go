package demo

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// branchSpec is one simulated branch.
type branchSpec struct {
	ID, Name, Region, TZ string
	// OpensIn places today's opening this far after the demo starts, so
	// that every branch is inside its pre-opening window whatever the time
	// of day. Zero marks a branch that is closed today (a holiday).
	OpensIn time.Duration
	Devices string
}

// device addresses every branch's devices point at.
type addrs struct {
	ATMUp, ATMDown, Counter, BankingOK, BankingRecovering, SignOK, SignBroken string
}

func (d *devices) start(now time.Time) (addrs, error) {
	var a addrs
	var err error
	steps := []func() error{
		func() error { a.ATMUp, err = d.tcpUp(""); return err },
		func() error { a.ATMDown, err = d.tcpDown(); return err },
		func() error { a.Counter, err = d.tcpUp("STATUS READY\r\n"); return err },
		func() error {
			a.BankingOK, err = d.httpDevice("<h1>Sign in to online banking</h1>", "", 0, always(false))
			return err
		},
		func() error {
			a.BankingRecovering, err = d.httpDevice("<h1>Sign in to online banking</h1>", "<h1>Service temporarily unavailable</h1>", 503, failingUntil(now.Add(3*time.Minute)))
			return err
		},
		func() error {
			a.SignOK, err = d.httpDevice("playing: november-promotions", "", 0, always(false))
			return err
		},
		func() error {
			a.SignBroken, err = d.httpDevice("", "player stopped: playlist expired", 500, always(true))
			return err
		},
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return a, err
		}
	}
	return a, nil
}

func specs(a addrs) []branchSpec {
	atm := func(id, addr string) string {
		return fmt.Sprintf(`  - id: %s
    kind: atm
    criticality: blocking
    vendor: Diebold Nixdorf
    model: DN Series 200
    checks:
      - name: reachable
        timeout: 2s
        tcp: {address: "%s"}
`, id, addr)
	}
	counter := fmt.Sprintf(`  - id: cash-counter
    kind: counter
    criticality: blocking
    checks:
      - name: status
        timeout: 2s
        tcp: {address: "%s", expect: "READY"}
`, a.Counter)
	banking := func(url string) string {
		return fmt.Sprintf(`  - id: banking-pc-1
    kind: banking_pc
    criticality: blocking
    checks:
      - name: online-banking
        timeout: 3s
        http: {url: "%s", body_regex: "Sign in"}
`, url)
	}
	sign := func(url string) string {
		return fmt.Sprintf(`  - id: lobby-screen
    kind: signage
    criticality: degrading
    checks:
      - name: player
        timeout: 2s
        http: {url: "%s", body_regex: "playing"}
`, url)
	}
	book := `  - id: feedback-book
    kind: other
    criticality: blocking
    checks:
      - name: in-place
        manual: {instructions: "the customer feedback book is on the counter by the door"}
`
	return []branchSpec{
		{"lon-bank-street", "London Bank Street", "uk-south", "Europe/London", 40 * time.Minute,
			atm("atm-01", a.ATMUp) + atm("atm-02", a.ATMUp) + counter + banking(a.BankingOK) + sign(a.SignOK) + book},
		{"nyc-fifth-avenue", "New York Fifth Avenue", "us-east", "America/New_York", 30 * time.Minute,
			atm("atm-01", a.ATMUp) + atm("atm-02", a.ATMDown) + banking(a.BankingOK) + sign(a.SignOK)},
		{"tyo-ginza", "Tokyo Ginza", "apac", "Asia/Tokyo", 45 * time.Minute,
			atm("atm-01", a.ATMUp) + counter + banking(a.BankingOK) + sign(a.SignBroken)},
		{"syd-george-street", "Sydney George Street", "apac", "Australia/Sydney", 50 * time.Minute,
			atm("atm-01", a.ATMUp) + banking(a.BankingRecovering) + sign(a.SignOK)},
		{"ber-mitte", "Berlin Mitte", "eu-central", "Europe/Berlin", 35 * time.Minute,
			atm("atm-01", a.ATMUp) + counter + banking(a.BankingOK) + book},
		{"lax-downtown", "Los Angeles Downtown", "us-west", "America/Los_Angeles", 0,
			atm("atm-01", a.ATMUp) + banking(a.BankingOK)},
	}
}

// write puts a branch's configuration and token file under dir and returns
// the config's path.
func (b branchSpec) write(dir, collectorURL, token string, now time.Time) (string, error) {
	loc, err := time.LoadLocation(b.TZ)
	if err != nil {
		return "", err
	}
	local := now.In(loc)
	hours, holiday := "09:00-17:00", ""
	if b.OpensIn > 0 {
		open := local.Add(b.OpensIn).Truncate(5 * time.Minute)
		if open.Day() != local.Day() {
			open = time.Date(local.Year(), local.Month(), local.Day(), 23, 55, 0, 0, loc)
		}
		closing := "24:00"
		if c := open.Add(8 * time.Hour); c.Day() == open.Day() {
			closing = c.Format("15:04")
		}
		hours = open.Format("15:04") + "-" + closing
	} else {
		holiday = fmt.Sprintf("  holidays: [{date: %q, name: Demo public holiday}]\n", local.Format(time.DateOnly))
	}
	var week strings.Builder
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		fmt.Fprintf(&week, "    %s: %q\n", d, hours)
	}
	bdir := filepath.Join(dir, b.ID)
	if err := os.MkdirAll(bdir, 0o750); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(bdir, "token"), []byte(token+"\n"), 0o600); err != nil {
		return "", err
	}
	cfg := fmt.Sprintf(`# Generated by branchready-collector demo.
branch:
  id: %s
  name: %s
  region: %s
  timezone: %s
  hours:
%s%s  lead: 15m
  sweep_start: 60m
  retry_interval: 1m
  business_interval: 2m
collector:
  url: %s
  token_file: token
agent:
  concurrency: 8
  listen: 127.0.0.1:0
devices:
%s`, b.ID, b.Name, b.Region, b.TZ, week.String(), holiday, collectorURL, b.Devices)
	path := filepath.Join(bdir, "branch.yaml")
	return path, os.WriteFile(path, []byte(cfg), 0o640)
}
