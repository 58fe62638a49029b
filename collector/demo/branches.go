package demo

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"
)

// branchSpec is one simulated branch.
type branchSpec struct {
	ID, Name, Region, TZ string
	// OpensIn places today's opening this far after the demo starts, so
	// that every branch is inside its pre-opening window whatever the time
	// of day. Zero marks a branch that is closed today (a holiday).
	OpensIn time.Duration
	Devices []device
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
	atm := func(id, addr string) device {
		return device{ID: id, Kind: "atm", Criticality: "blocking", Vendor: "Diebold Nixdorf", Model: "DN Series 200", TransactionsPerDay: 305,
			Checks: []check{{Name: "reachable", Timeout: "2s", TCP: map[string]string{"address": addr},
				Remedy: "Power-cycle the ATM from the switch at its rear; if it stays down, call Diebold Nixdorf on the number on the fascia."}}}
	}
	counter := device{ID: "cash-counter", Kind: "counter", Criticality: "blocking",
		Checks: []check{{Name: "status", Timeout: "2s", TCP: map[string]string{"address": a.Counter, "expect": "READY"}}}}
	banking := func(url string) device {
		return device{ID: "banking-pc-1", Kind: "banking_pc", Criticality: "blocking",
			Checks: []check{{Name: "online-banking", Timeout: "3s", HTTP: map[string]string{"url": url, "body_regex": "Sign in"}}}}
	}
	sign := func(url string) device {
		return device{ID: "lobby-screen", Kind: "signage", Criticality: "degrading",
			Checks: []check{{Name: "player", Timeout: "2s", HTTP: map[string]string{"url": url, "body_regex": "playing"}}}}
	}
	book := device{ID: "feedback-book", Kind: "other", Criticality: "blocking",
		Checks: []check{{Name: "in-place", Manual: map[string]string{"instructions": "the customer feedback book is on the counter by the door"}}}}
	return []branchSpec{
		{"lon-bank-street", "London Bank Street", "uk-south", "Europe/London", 40 * time.Minute,
			[]device{atm("atm-01", a.ATMUp), atm("atm-02", a.ATMUp), counter, banking(a.BankingOK), sign(a.SignOK), book}},
		{"nyc-fifth-avenue", "New York Fifth Avenue", "us-east", "America/New_York", 30 * time.Minute,
			[]device{atm("atm-01", a.ATMUp), atm("atm-02", a.ATMDown), banking(a.BankingOK), sign(a.SignOK)}},
		{"tyo-ginza", "Tokyo Ginza", "apac", "Asia/Tokyo", 45 * time.Minute,
			[]device{atm("atm-01", a.ATMUp), counter, banking(a.BankingOK), sign(a.SignBroken)}},
		{"syd-george-street", "Sydney George Street", "apac", "Australia/Sydney", 50 * time.Minute,
			[]device{atm("atm-01", a.ATMUp), banking(a.BankingRecovering), sign(a.SignOK)}},
		{"ber-mitte", "Berlin Mitte", "eu-central", "Europe/Berlin", 35 * time.Minute,
			[]device{atm("atm-01", a.ATMUp), counter, banking(a.BankingOK), book}},
		{"lax-downtown", "Los Angeles Downtown", "us-west", "America/Los_Angeles", 0,
			[]device{atm("atm-01", a.ATMUp), banking(a.BankingOK)}},
	}
}

// branchFile is the shape of a branch configuration as the demo writes it.
// It is marshalled, so that any name, address or instruction is quoted as
// YAML needs (a name such as "Zürich: Paradeplatz #1" breaks a template).
type branchFile struct {
	Branch    branchSection     `yaml:"branch"`
	Collector map[string]string `yaml:"collector"`
	Agent     agentSection      `yaml:"agent"`
	Devices   []device          `yaml:"devices"`
}

type branchSection struct {
	ID               string            `yaml:"id"`
	Name             string            `yaml:"name"`
	Region           string            `yaml:"region"`
	Timezone         string            `yaml:"timezone"`
	Hours            map[string]string `yaml:"hours"`
	Holidays         []holiday         `yaml:"holidays,omitempty"`
	Lead             string            `yaml:"lead"`
	SweepStart       string            `yaml:"sweep_start"`
	RetryInterval    string            `yaml:"retry_interval"`
	BusinessInterval string            `yaml:"business_interval"`
}

type holiday struct {
	Date string `yaml:"date"`
	Name string `yaml:"name"`
}

type agentSection struct {
	Concurrency int    `yaml:"concurrency"`
	Listen      string `yaml:"listen"`
}

type device struct {
	ID          string `yaml:"id"`
	Kind        string `yaml:"kind"`
	Criticality string `yaml:"criticality"`
	Vendor      string `yaml:"vendor,omitempty"`
	Model       string `yaml:"model,omitempty"`
	// TransactionsPerDay lets alerts say what an outage costs.
	TransactionsPerDay int     `yaml:"transactions_per_day,omitempty"`
	Checks             []check `yaml:"checks"`
}

type check struct {
	Name    string            `yaml:"name"`
	Timeout string            `yaml:"timeout,omitempty"`
	TCP     map[string]string `yaml:"tcp,omitempty"`
	HTTP    map[string]string `yaml:"http,omitempty"`
	Manual  map[string]string `yaml:"manual,omitempty"`
	Remedy  string            `yaml:"remedy,omitempty"`
}

// write puts a branch's configuration and token file under dir and returns
// the config's path.
func (b branchSpec) write(dir, collectorURL, token string, now time.Time) (string, error) {
	loc, err := time.LoadLocation(b.TZ)
	if err != nil {
		return "", err
	}
	local := now.In(loc)
	f := branchFile{
		Branch: branchSection{ID: b.ID, Name: b.Name, Region: b.Region, Timezone: b.TZ, Hours: map[string]string{},
			Lead: "15m", SweepStart: "60m", RetryInterval: "1m", BusinessInterval: "2m"},
		Collector: map[string]string{"url": collectorURL, "token_file": "token"},
		Agent:     agentSection{Concurrency: 8, Listen: "127.0.0.1:0"},
		Devices:   b.Devices,
	}
	hours := "09:00-17:00"
	if b.OpensIn > 0 {
		open := local.Add(b.OpensIn).Truncate(5 * time.Minute)
		if open.Day() != local.Day() {
			// Shortly before the branch's midnight: open at 23:59, and
			// shorten the lead so that the deadline still lies ahead and
			// the pre-opening sweep runs now (a deadline already past
			// would leave the branch unknown until it opens).
			open = time.Date(local.Year(), local.Month(), local.Day(), 23, 59, 0, 0, loc)
			if room := open.Sub(local).Truncate(time.Minute) - 2*time.Minute; room < 15*time.Minute {
				f.Branch.Lead = fmt.Sprintf("%dm", int(max(room, time.Minute)/time.Minute))
			}
		}
		closing := "24:00"
		if c := open.Add(8 * time.Hour); c.Day() == open.Day() {
			closing = c.Format("15:04")
		}
		hours = open.Format("15:04") + "-" + closing
	} else {
		f.Branch.Holidays = []holiday{{Date: local.Format(time.DateOnly), Name: "Demo public holiday"}}
	}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		f.Branch.Hours[d] = hours
	}
	data, err := yaml.Marshal(f)
	if err != nil {
		return "", err
	}
	bdir := filepath.Join(dir, b.ID)
	if err := os.MkdirAll(bdir, 0o750); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(bdir, "token"), []byte(token+"\n"), 0o600); err != nil {
		return "", err
	}
	path := filepath.Join(bdir, "branch.yaml")
	return path, os.WriteFile(path, append([]byte("# Generated by branchready-collector demo.\n"), data...), 0o640)
}
