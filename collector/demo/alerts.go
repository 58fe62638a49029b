package demo

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/collector"
	"github.com/branchready/branchready/collector/alerting"
)

// alertOptions routes the demo's incidents: one channel per branch, one per
// region and one for operations, on the Slack API the user named, or on the
// board alone when none was named.
func alertOptions(o Options, all []branchSpec, boardURL string) collector.AlertOptions {
	notifier := "board"
	if o.SlackAPIURL != "" {
		notifier = "slack"
	}
	target := func(ch string) []alerts.Target { return []alerts.Target{{Notifier: notifier, Target: ch}} }
	r := alerts.Routing{Default: target("#demo-branches"), Branches: map[string][]alerts.Target{},
		Regions: map[string][]alerts.Target{}, Operations: target("#demo-operations")}
	for _, b := range all {
		r.Branches[b.ID] = target("#demo-" + b.ID)
		r.Regions[b.Region] = target("#demo-region-" + b.Region)
	}
	cfg := alerting.Config{Config: alerts.Config{BaseURL: boardURL, Routing: r,
		Remedies: map[string]string{"tcp": "Check the device is powered on and its network cable is in; if it stays down, call the vendor's hotline."}}.WithDefaults()}
	env := map[string]string{}
	if o.SlackAPIURL != "" {
		cfg.Slack = alerting.SlackConfig{APIURL: o.SlackAPIURL, TokenEnv: "DEMO_SLACK_TOKEN"}
		env["DEMO_SLACK_TOKEN"] = o.SlackToken
		if env["DEMO_SLACK_TOKEN"] == "" {
			env["DEMO_SLACK_TOKEN"] = "xoxb-demo"
		}
		if o.SlackSigningSecret != "" {
			cfg.Slack.SigningSecretEnv = "DEMO_SLACK_SIGNING_SECRET"
			env["DEMO_SLACK_SIGNING_SECRET"] = o.SlackSigningSecret
		}
	}
	return collector.AlertOptions{Config: cfg, Getenv: func(k string) string { return env[k] }}
}

// printChannels tells the user where the demo's alerts go.
func printChannels(w io.Writer, o Options, a collector.AlertOptions, base string) {
	var chans []string
	for id, ts := range a.Config.Routing.Branches {
		chans = append(chans, fmt.Sprintf("    %-18s → %s", id, ts[0].Target))
	}
	sort.Strings(chans)
	where := "on the board only (" + base + "/incidents): start the demo with --slack-api-url to send them to Slack"
	if o.SlackAPIURL != "" {
		where = "to the Slack API at " + o.SlackAPIURL
		if o.SlackSigningSecret != "" {
			where += "; buttons post to " + base + "/slack/interactions"
		}
	}
	fmt.Fprintf(w, "  alerts:   %s\n%s\n    regions → #demo-region-<region>, deadline escalation at T-0 → #demo-operations\n\n", where, strings.Join(chans, "\n"))
}
