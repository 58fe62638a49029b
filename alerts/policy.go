package alerts

import (
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/render"
	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/result"
)

// Policy is the compiled alerts configuration: the pure rules that move
// incidents and decide messages. It holds no incidents and no clock; the
// caller passes both in, so one Policy serves every branch and goroutine.
type Policy struct {
	cfg    Config
	render *render.Renderer
	maint  []Silence
}

// New compiles a validated configuration (defaults are applied here too)
// with the operator's template files, locale to file content (see
// Config.ReadTemplates).
func New(cfg Config, templates map[string][]byte) (*Policy, error) {
	cfg = cfg.WithDefaults()
	r, err := render.New(templates)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	return &Policy{cfg: cfg, render: r, maint: cfg.maintenanceSilences()}, nil
}

// ReadTemplates reads the template files named in c.Templates, relative
// to dir when not absolute.
func (c *Config) ReadTemplates(dir string, readFile func(string) ([]byte, error)) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, l := range sortedKeys(c.Templates) {
		p := c.Templates[l]
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		b, err := readFile(p)
		if err != nil {
			return nil, fmt.Errorf("alerts.templates.%s: %w", l, err)
		}
		out[l] = b
	}
	return out, nil
}

// Config returns the configuration with its defaults.
func (p *Policy) Config() Config { return p.cfg }

// Branch is what the engine is told about one branch for one step: its
// descriptor and calendar, when its agent was last heard from, the
// silences that may concern it, and its open incidents. The engine adds
// incidents to Incidents and removes resolved ones; the caller keeps the
// Branch between calls (or rebuilds it from its store).
type Branch struct {
	ID         string
	Descriptor *result.Descriptor
	// Calendar is the branch's compiled calendar; nil turns off everything
	// that needs it (escalation, business hours, impact per hour).
	Calendar *calendar.Calendar
	// LastHeard is the collector's time of the newest result or heartbeat
	// from the agent; zero when it was never heard from.
	LastHeard time.Time
	// Silences made on the board or the API (expired ones are ignored).
	Silences  []Silence
	Incidents []*Incident
}

// Observation is one judged result, as the engine needs it.
type Observation struct {
	Device, Check string
	Status        result.Status
	Reason        string
	// At is the agent's time of the result.
	At time.Time
	// Unreachable says the failure was a failure to connect at all.
	Unreachable bool
}

// ObservationOf makes an observation of a result.
func ObservationOf(r *result.Result) Observation {
	return Observation{Device: r.Device, Check: r.Check, Status: r.Status, Reason: r.Reason, At: r.StartedAt,
		Unreachable: r.Status == result.StatusFail && ConnectFailure(r.Reason)}
}

// Outcome is what one step decided: the incidents it changed (to store)
// and the messages to send (to enqueue in the outbox, in order, in the
// same transaction).
type Outcome struct {
	Changed  []*Incident
	Messages []notify.Message
}

func (o *Outcome) changed(inc *Incident) {
	if !slices.Contains(o.Changed, inc) {
		o.Changed = append(o.Changed, inc)
	}
}

// Observe applies one result to its incident, then re-judges the branch as
// a whole (unreachable, dependencies, silences) and decides the messages.
// The caller updates b.LastHeard before calling.
func (p *Policy) Observe(b *Branch, obs Observation, now time.Time) Outcome {
	var o Outcome
	p.observe(b, &o, obs, now)
	p.branchWide(b, &o, now)
	p.settle(b, &o, now)
	b.prune()
	return o
}

// Tick advances time for a branch: agent silence, checks removed from the
// configuration, posts held back by a silence or suppression that has
// ended, escalation at the deadline's steps and reminders. Call it for
// every branch at least once a minute (escalation is as punctual as the
// tick).
func (p *Policy) Tick(b *Branch, now time.Time) Outcome {
	var o Outcome
	p.dropUnconfigured(b, &o, now)
	p.branchWide(b, &o, now)
	p.settle(b, &o, now)
	for _, inc := range b.Incidents {
		if !p.speaking(inc) {
			continue
		}
		p.escalate(b, &o, inc, now)
		p.remind(b, &o, inc, now)
	}
	b.prune()
	return o
}

// speaking reports whether a firing incident's messages are out and it is
// neither suppressed nor muted: only then do escalations and reminders go.
func (p *Policy) speaking(inc *Incident) bool {
	return inc.State == Firing && len(inc.Notified) > 0 && inc.SuppressedBy == "" && inc.MutedBy == ""
}

// prune forgets resolved incidents; the caller has them in Outcome.Changed.
func (b *Branch) prune() {
	b.Incidents = slices.DeleteFunc(b.Incidents, func(inc *Incident) bool { return !inc.Open() })
}

// open returns the open incident of a key, nil when none.
func (b *Branch) open(k Key) *Incident {
	for _, inc := range b.Incidents {
		if inc.Key == k && inc.Open() {
			return inc
		}
	}
	return nil
}

// byID returns the branch's open incident with that id.
func (b *Branch) byID(id string) *Incident {
	for _, inc := range b.Incidents {
		if inc.ID == id && inc.Open() {
			return inc
		}
	}
	return nil
}

// device returns the descriptor's device, nil when unknown.
func (b *Branch) device(id string) *result.Device {
	if b.Descriptor == nil {
		return nil
	}
	for i := range b.Descriptor.Devices {
		if b.Descriptor.Devices[i].ID == id {
			return &b.Descriptor.Devices[i]
		}
	}
	return nil
}

// check returns the descriptor's device and check, nils when unknown.
func (b *Branch) check(device, check string) (*result.Device, *result.CheckRef) {
	d := b.device(device)
	if d == nil {
		return nil, nil
	}
	for i := range d.Checks {
		if d.Checks[i].Name == check {
			return d, &d.Checks[i]
		}
	}
	return d, nil
}

func (b *Branch) region() string {
	if b.Descriptor == nil {
		return ""
	}
	return b.Descriptor.Region
}
