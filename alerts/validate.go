package alerts

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/branchready/branchready/alerts/render"
	"github.com/branchready/branchready/strictyaml"
)

// Validate reports every problem of c (with its defaults applied) into p,
// each under prefix (the section's path in the file, e.g. "alerts").
// known says whether a notifier name ("slack", "webhook:ops") is
// configured; nil checks only the form of the names.
func (c *Config) Validate(p *strictyaml.Problems, prefix string, known func(notifier string) bool) {
	at := func(s string) string { return strictyaml.Join(prefix, s) }
	locales := render.Shipped()
	for l := range c.Templates {
		locales = append(locales, l)
	}
	if !slices.Contains(locales, c.Locale) {
		p.Addf(at("locale"), "%q: no templates for it; use %s or add templates.%s", c.Locale, strings.Join(render.Shipped(), " or "), c.Locale)
	}
	c.validateThresholds(p, at)
	if c.ReminderInterval < time.Minute {
		p.Addf(at("reminder_interval"), "%v: must be at least 1m", c.ReminderInterval)
	}
	if c.AgentSilentAfter < time.Minute {
		p.Addf(at("agent_silent_after"), "%v: must be at least 1m (agents send heartbeats every few seconds, but WANs stall)", c.AgentSilentAfter)
	}
	for i, s := range c.Escalation {
		sp := strictyaml.Index(at("escalation"), i)
		if s.Before < 0 {
			p.Addf(sp+".before", "%v: must not be negative (0s is the deadline itself)", s.Before)
		}
		if i > 0 && s.Before >= c.Escalation[i-1].Before {
			p.Addf(sp+".before", "%v: list steps from the earliest to the latest: must be less than the step before (%v)", s.Before, c.Escalation[i-1].Before)
		}
		if !validLevel(s.To) {
			p.Addf(sp+".to", "%q: must be branch, region or operations", s.To)
		}
	}
	c.validateRouting(p, at, locales, known)
	for i, m := range c.Maintenance {
		mp := strictyaml.Index(at("maintenance"), i)
		validateMatcher(p, mp, m.Matcher)
		start, err1 := time.Parse(time.RFC3339, m.Start)
		if err1 != nil {
			p.Addf(mp+".start", "%q: must be an RFC 3339 time such as 2026-03-08T06:00:00+01:00", m.Start)
		}
		end, err2 := time.Parse(time.RFC3339, m.End)
		if err2 != nil {
			p.Addf(mp+".end", "%q: must be an RFC 3339 time such as 2026-03-08T08:00:00+01:00", m.End)
		}
		if err1 == nil && err2 == nil && !end.After(start) {
			p.Addf(mp+".end", "%q: must be after start (%s)", m.End, m.Start)
		}
	}
}

func (c *Config) validateThresholds(p *strictyaml.Problems, at func(string) string) {
	check := func(path string, t Thresholds) {
		if t.Fail < 0 {
			p.Addf(path+".fail", "%d: must be at least 1", t.Fail)
		}
		if t.Resolve < 0 {
			p.Addf(path+".resolve", "%d: must be at least 1", t.Resolve)
		}
	}
	check(at("thresholds.default"), c.Thresholds.Default)
	for _, k := range sortedKeys(c.Thresholds.CheckKinds) {
		check(at("thresholds.check_kinds."+k), c.Thresholds.CheckKinds[k])
	}
	for _, k := range sortedKeys(c.Thresholds.DeviceKinds) {
		check(at("thresholds.device_kinds."+k), c.Thresholds.DeviceKinds[k])
	}
}

func (c *Config) validateRouting(p *strictyaml.Problems, at func(string) string, locales []string, known func(string) bool) {
	r := c.Routing
	targets := func(path string, ts []Target) {
		for i, t := range ts {
			tp := strictyaml.Index(path, i)
			validateTarget(p, tp, t, locales, known)
		}
	}
	targets(at("routing.default"), r.Default)
	targets(at("routing.operations"), r.Operations)
	for _, b := range sortedKeys(r.Branches) {
		targets(at("routing.branches."+b), r.Branches[b])
	}
	for _, g := range sortedKeys(r.Regions) {
		targets(at("routing.regions."+g), r.Regions[g])
	}
	if c.Enabled() && len(r.Default) == 0 {
		p.Addf(at("routing.default"), "must list at least one target: branches without their own channel, and operations when it is unset, use it")
	}
	for name, ls := range map[string][]Level{"critical": r.Severity.Critical, "warning": r.Severity.Warning, "info": r.Severity.Info} {
		for i, l := range ls {
			if !validLevel(l) {
				p.Addf(strictyaml.Index(at("routing.severity."+name), i), "%q: must be branch, region or operations", l)
			}
		}
	}
}

func validateTarget(p *strictyaml.Problems, tp string, t Target, locales []string, known func(string) bool) {
	name, hook, isHook := strings.Cut(t.Notifier, ":")
	switch {
	case t.Notifier == "slack":
		if t.Target == "" {
			p.Addf(tp+".target", "must name the Slack channel (an id such as C0123ABCD, or #name)")
		}
	case name == "webhook" && isHook && hook != "":
	case t.Notifier == "board":
		// Kept on the board only (trials, the demo).
	default:
		p.Addf(tp+".notifier", "%q: must be slack, webhook:NAME or board", t.Notifier)
		return
	}
	if known != nil && !known(t.Notifier) {
		p.Addf(tp+".notifier", "%q: not configured", t.Notifier)
	}
	if t.Locale != "" && !slices.Contains(locales, t.Locale) {
		p.Addf(tp+".locale", "%q: no templates for it; use %s", t.Locale, strings.Join(locales, ", "))
	}
}

func validateMatcher(p *strictyaml.Problems, mp string, m Matcher) {
	for _, f := range []struct{ key, v string }{{"branch", m.Branch}, {"region", m.Region}, {"device", m.Device}, {"check", m.Check}} {
		if _, err := path.Match(f.v, ""); err != nil {
			p.Addf(mp+"."+f.key, "%q: not a valid pattern: %v", f.v, err)
		}
	}
}

func validLevel(l Level) bool {
	return l == LevelBranch || l == LevelRegion || l == LevelOperations
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// maintenanceSilences turns the configured windows into silences (Validate
// has checked the times).
func (c *Config) maintenanceSilences() []Silence {
	var out []Silence
	for i, m := range c.Maintenance {
		start, _ := time.Parse(time.RFC3339, m.Start)
		end, _ := time.Parse(time.RFC3339, m.End)
		out = append(out, Silence{ID: fmt.Sprintf("maintenance[%d]", i), Matcher: m.Matcher, Start: start, End: end, CreatedBy: "config", Comment: m.Comment})
	}
	return out
}
