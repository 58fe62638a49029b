package alerts_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/alerts/notify"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the engine")

// TestAMorningsMessagesMatchTheGoldenFile holds every message of a
// morning to testdata/conversation.golden, byte for byte: an ATM and a
// printer fail before opening, the ATM escalates to the region (whose
// channel reads Chinese) and to operations (a channel and a webhook), is
// acknowledged, snoozed and resolved; the printer is reminded of and
// resolved. The messages of one decision share their rendering, and this
// shows that sharing changes no word, button or field of any of them.
func TestAMorningsMessagesMatchTheGoldenFile(t *testing.T) {
	cfg := testConfig()
	cfg.Routing.Regions["south"] = []alerts.Target{{Notifier: "slack", Target: "#south", Locale: "zh-CN"}}
	p, b := newPolicy(t, cfg), london(t)
	var all []notify.Message
	keep := func(o alerts.Outcome) { all = append(all, o.Messages...) }
	at := func(s string) time.Time { return local(t, "Europe/London", "2026-03-02 "+s) }
	observe := func(s string, obs func(time.Time) alerts.Observation) {
		b.LastHeard = at(s)
		keep(p.Observe(b, obs(at(s)), at(s)))
	}
	tick := func(s string) {
		b.LastHeard = at(s)
		keep(p.Tick(b, at(s)))
	}
	atm := func(n time.Time) alerts.Observation {
		return fail("atm-02", "service", "cannot dispense: cassette jammed", n)
	}
	printer := func(n time.Time) alerts.Observation {
		return fail("printer", "status", "paper out <tray 2> & cover open", n)
	}
	for _, s := range []string{"07:40", "07:45"} {
		observe(s, atm)
		observe(s, printer)
	}
	for _, s := range []string{"08:16", "08:31", "08:46"} {
		tick(s)
	}
	id := only(t, b, "atm-02").ID
	for _, op := range []func() (alerts.Outcome, error){
		func() (alerts.Outcome, error) { return p.Ack(b, id, "amy", at("08:50")) },
		func() (alerts.Outcome, error) { return p.Snooze(b, id, "bob", alerts.DefaultSnooze, at("08:51")) },
		func() (alerts.Outcome, error) { return p.Unack(b, id, "amy", at("08:52")) },
	} {
		o, err := op()
		if err != nil {
			t.Fatal(err)
		}
		keep(o)
	}
	tick("09:20")
	for _, s := range []string{"09:25", "09:26", "09:27"} {
		observe(s, func(n time.Time) alerts.Observation { return pass("atm-02", "service", n) })
		observe(s, func(n time.Time) alerts.Observation { return pass("printer", "status", n) })
	}

	got, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "conversation.golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("messages differ from %s at line %d:\n got: %s\nwant: %s", path, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("messages differ from %s: %d lines, want %d", path, len(gl), len(wl))
	}
	if len(all) < 20 {
		t.Errorf("only %d messages: the morning did not happen as planned:\n%s", len(all), strings.Join(says(all), "\n"))
	}
}
