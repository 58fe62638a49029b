package alerts

import (
	"time"
)

// Config is the collector configuration's alerts: section (engine side; the
// notifiers' connection settings live beside it).
type Config struct {
	BaseURL string `yaml:"base_url" doc:"Address of the board, for the link in every message: {base_url}/branches/{id}."`
	Locale  string `yaml:"locale" doc:"Language of messages on targets that set none: en (default) or zh-CN, or a locale given in templates."`
	// Thresholds damp flapping: an incident fires after several failures in
	// a row and resolves after several passes in a row.
	Thresholds       ThresholdConfig `yaml:"thresholds" doc:"Results in a row before an incident fires or resolves; per check kind or device kind."`
	ReminderInterval time.Duration   `yaml:"reminder_interval" doc:"A firing incident nobody acknowledged or snoozed is repeated in its thread this often; default 30m, at least 1m."`
	AgentSilentAfter time.Duration   `yaml:"agent_silent_after" doc:"A branch whose agent sent nothing for this long gets an agent-silent incident, routed to operations; default 10m."`
	// Escalation is keyed to the branch's readiness deadline, in its zone.
	Escalation []EscalationStep  `yaml:"escalation" doc:"What is still failing this long before the readiness deadline goes to a wider audience; default 30m branch, 15m region, 0s operations."`
	Routing    Routing           `yaml:"routing" doc:"Where messages go: the branch, region and operations channels, and which of them each severity reaches in business hours."`
	Remedies   map[string]string `yaml:"remedies" doc:"What-to-do text per check kind (icmp, tcp, ...) for checks whose branch configuration sets no remedy."`
	Templates  map[string]string `yaml:"templates" doc:"Template files per locale (en, zh-CN, or a new one) overriding the shipped message templates, relative to this file."`
	// Maintenance windows mute notifications but keep incidents.
	Maintenance []Maintenance `yaml:"maintenance" doc:"Agreed maintenance: notifications for matching incidents are muted between start and end."`
}

// ThresholdConfig holds the default thresholds and the overrides. A check
// kind's entry beats a device kind's, which beats the default; a zero field
// inherits.
type ThresholdConfig struct {
	Default     Thresholds            `yaml:"default" doc:"Default: fail 2, resolve 2."`
	CheckKinds  map[string]Thresholds `yaml:"check_kinds" doc:"Per check kind, e.g. icmp: {fail: 3}."`
	DeviceKinds map[string]Thresholds `yaml:"device_kinds" doc:"Per device kind, e.g. atm: {fail: 1}."`
}

// Thresholds are counts of results in a row.
type Thresholds struct {
	Fail    int `yaml:"fail" doc:"Failed results in a row before the incident fires."`
	Resolve int `yaml:"resolve" doc:"Passing results in a row before a firing incident resolves."`
}

// Level is an audience: the branch's channel, its region's, or operations.
type Level string

// Levels, from the narrowest audience to the widest.
const (
	LevelBranch     Level = "branch"
	LevelRegion     Level = "region"
	LevelOperations Level = "operations"
)

// JSONSchema describes the accepted values to configuration editors.
func (Level) JSONSchema() map[string]any {
	return map[string]any{"type": "string", "enum": []string{string(LevelBranch), string(LevelRegion), string(LevelOperations)}}
}

// EscalationStep says: still failing Before the deadline, tell To.
type EscalationStep struct {
	Before time.Duration `yaml:"before" doc:"How long before the readiness deadline, e.g. 30m; 0s is the deadline itself."`
	To     Level         `yaml:"to" doc:"branch, region or operations."`
}

// Target is one place a message goes.
type Target struct {
	Notifier string `yaml:"notifier" doc:"slack, webhook:NAME for a webhook configured under alerts.webhooks, or board (kept on the board only, to try alerts before connecting chat)."`
	Target   string `yaml:"target" doc:"Slack channel id or #name; for a webhook, defaults to its NAME."`
	Locale   string `yaml:"locale" doc:"Language of messages to this target; default alerts.locale."`
}

// Routing maps audiences to targets.
type Routing struct {
	Default    []Target            `yaml:"default" doc:"The branch channel of every branch not listed under branches."`
	Branches   map[string][]Target `yaml:"branches" doc:"A branch's own channel, by branch id."`
	Regions    map[string][]Target `yaml:"regions" doc:"A region's channel, by region; a region not listed escalates to operations."`
	Operations []Target            `yaml:"operations" doc:"The operations centre; default: routing.default."`
	Severity   SeverityRouting     `yaml:"severity" doc:"Audiences of an incident that fires in business hours, per severity."`
}

// SeverityRouting lists the audiences per severity.
type SeverityRouting struct {
	Critical []Level `yaml:"critical" doc:"Blocking devices; default [branch, region]."`
	Warning  []Level `yaml:"warning" doc:"Degrading devices; default [branch]."`
	Info     []Level `yaml:"info" doc:"Informational devices; default [branch]."`
}

// Matcher selects incidents. Empty fields match anything; a field may be a
// shell pattern (lon-*), as path.Match reads it.
type Matcher struct {
	Branch string `yaml:"branch" json:"branch,omitempty" doc:"Branch id or pattern."`
	Region string `yaml:"region" json:"region,omitempty" doc:"Region or pattern."`
	Device string `yaml:"device" json:"device,omitempty" doc:"Device id or pattern."`
	Check  string `yaml:"check" json:"check,omitempty" doc:"Check name or pattern."`
}

// Maintenance is a configured window of muted notifications.
type Maintenance struct {
	Matcher `yaml:",inline"`
	Start   string `yaml:"start" doc:"RFC 3339 time, e.g. 2026-03-08T06:00:00+01:00."`
	End     string `yaml:"end" doc:"RFC 3339 time after start."`
	Comment string `yaml:"comment" doc:"Why, shown on the board."`
}

// Defaults, all in one place.
const (
	DefaultLocale           = "en"
	DefaultFail             = 2
	DefaultResolve          = 2
	DefaultReminderInterval = 30 * time.Minute
	DefaultAgentSilentAfter = 10 * time.Minute
	// DefaultSnooze is the snooze the Slack button offers.
	DefaultSnooze = 30 * time.Minute
)

// DefaultEscalation is T-30 branch, T-15 region, T-0 operations.
func DefaultEscalation() []EscalationStep {
	return []EscalationStep{{30 * time.Minute, LevelBranch}, {15 * time.Minute, LevelRegion}, {0, LevelOperations}}
}

// WithDefaults returns c with unset values at their defaults.
func (c Config) WithDefaults() Config {
	if c.Locale == "" {
		c.Locale = DefaultLocale
	}
	if c.Thresholds.Default.Fail == 0 {
		c.Thresholds.Default.Fail = DefaultFail
	}
	if c.Thresholds.Default.Resolve == 0 {
		c.Thresholds.Default.Resolve = DefaultResolve
	}
	if c.ReminderInterval == 0 {
		c.ReminderInterval = DefaultReminderInterval
	}
	if c.AgentSilentAfter == 0 {
		c.AgentSilentAfter = DefaultAgentSilentAfter
	}
	if len(c.Escalation) == 0 {
		c.Escalation = DefaultEscalation()
	}
	s := &c.Routing.Severity
	if s.Critical == nil {
		s.Critical = []Level{LevelBranch, LevelRegion}
	}
	if s.Warning == nil {
		s.Warning = []Level{LevelBranch}
	}
	if s.Info == nil {
		s.Info = []Level{LevelBranch}
	}
	return c
}

// Enabled reports whether any target is configured; without one the
// engine still tracks incidents but sends nothing.
func (c *Config) Enabled() bool {
	r := c.Routing
	return len(r.Default)+len(r.Branches)+len(r.Regions)+len(r.Operations) > 0
}
