package alerts_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/strictyaml"
)

const exampleYAML = `base_url: https://branchready.bank.example
locale: en
thresholds:
  default: {fail: 2, resolve: 2}
  check_kinds: {icmp: {fail: 3}}
  device_kinds: {atm: {fail: 1}}
reminder_interval: 20m
agent_silent_after: 10m
escalation:
  - {before: 30m, to: branch}
  - {before: 15m, to: region}
  - {before: 0s, to: operations}
routing:
  default: [{notifier: slack, target: "#branches"}]
  branches:
    sh-01: [{notifier: slack, target: "#sh-01", locale: zh-CN}]
  regions:
    east: [{notifier: slack, target: "#east"}]
  operations: [{notifier: slack, target: "#ops"}, {notifier: "webhook:tickets"}]
  severity:
    critical: [branch, region]
remedies:
  icmp: Check the device's network cable and power.
maintenance:
  - {region: east, start: "2026-03-08T00:00:00+08:00", end: "2026-03-08T06:00:00+08:00", comment: WAN upgrade}
`

// The lead embeds Config as alerts: in the collector configuration; this
// proves it decodes strictly and has a schema.
func TestConfigDecodesFromYAMLAndHasASchema(t *testing.T) {
	var c alerts.Config
	if _, errs := strictyaml.Decode("alerts.yaml", []byte(exampleYAML), &c); len(errs) > 0 {
		t.Fatal(errs)
	}
	c = c.WithDefaults()
	p := &strictyaml.Problems{}
	c.Validate(p, "alerts", nil)
	if len(p.Errs) > 0 {
		t.Fatal(p.Errs)
	}
	if c.ReminderInterval != 20*time.Minute || c.Routing.Branches["sh-01"][0].Locale != "zh-CN" || c.Maintenance[0].Region != "east" {
		t.Errorf("decoded %+v", c)
	}
	if _, err := alerts.New(c, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := strictyaml.Schema(reflect.TypeFor[alerts.Config](), "x", "x"); err != nil {
		t.Fatal(err)
	}
	var bad alerts.Config
	if _, errs := strictyaml.Decode("alerts.yaml", []byte("routing: {defualt: []}\n"), &bad); len(errs) == 0 {
		t.Error("an unknown key was accepted")
	}
}
