package render

import (
	"embed"
	"fmt"
	"sort"
	"text/template"
	"time"

	"github.com/branchready/branchready/alerts/notify"
)

//go:embed templates/*.tmpl
var shipped embed.FS

// Shipped lists the locales whose templates are built in.
func Shipped() []string { return []string{"en", "zh-CN"} }

// Data is everything a template may show. Times are already in the
// branch's zone and formatted; durations are left to the "dur" template.
type Data struct {
	// Event is opened, reminder, escalated, acknowledged, unacknowledged,
	// snoozed or resolved; State is firing, acknowledged or resolved.
	Event, State, Severity string
	// Kind is check, branch_unreachable or agent_silent.
	Kind                       string
	Branch, BranchName, Region string
	Device, DeviceKind         string
	Vendor, Model              string
	Check, CheckKind           string
	// Reason is the latest failure, in the check's own words.
	Reason string
	// Since is the first failure, branch-local ("08:12", or "Mon 2 Jan 08:12"
	// on another day); For is how long ago that was.
	Since string
	For   time.Duration
	// Deadline describes today's readiness deadline.
	Deadline Deadline
	// PerHour is customers an hour sent to the counter while the device is
	// down (transactions_per_day over the day's opening hours); 0 if unknown.
	PerHour float64
	Remedy  string
	Link    string
	// AckedBy and AckedAt say who took the incident on, and when.
	AckedBy, AckedAt string
	// SnoozedBy and SnoozedUntil describe a running snooze.
	SnoozedBy, SnoozedUntil string
	// EscalatedTo is the widest audience told so far (region, operations);
	// Step is the escalation step's distance to the deadline.
	EscalatedTo string
	Step        time.Duration
	// Silent is how long the agent has said nothing (agent_silent).
	Silent time.Duration
	// Checks is how many checks fail to connect (branch_unreachable).
	Checks int
	// Lasted is how long the incident was open (resolved).
	Lasted time.Duration

	// memo holds what templates already wrote for this Data during one
	// Render (see include); nil outside one.
	memo *memo
}

// Deadline is today's readiness deadline as a message shows it.
type Deadline struct {
	// Phase is before (the deadline is ahead), passed (the branch is
	// open or about to open), or closed (no opening today).
	Phase string
	// At is the deadline's local clock time; Opening the opening's.
	At, Opening string
	// Left is the time to the deadline (Phase before).
	Left time.Duration
}

// Rendered is a message's words.
type Rendered struct {
	Title, Text           string
	Fields                []notify.Field
	AckLabel, SnoozeLabel string
}

// Fields in the order they are shown.
var fieldNames = []string{"status", "since", "deadline", "impact", "remedy"}

// labelNames are the fields' label templates, in fieldNames' order.
var labelNames = func() []string {
	out := make([]string, len(fieldNames))
	for i, f := range fieldNames {
		out[i] = "label." + f
	}
	return out
}()

// Renderer holds a compiled template set per locale.
type Renderer struct {
	sets     map[string]*set
	fallback string
}

// New compiles the shipped templates and the overrides (locale to the text
// of a template file). An override of a shipped locale replaces only the
// templates it defines; a new locale starts from English. Every template
// is tried against sample data, so a mistake shows at start-up, not at
// 08:15 on a Monday.
func New(overrides map[string][]byte) (*Renderer, error) {
	r := &Renderer{sets: map[string]*set{}, fallback: "en"}
	for _, l := range Shipped() {
		t, err := parseShipped(l)
		if err != nil {
			return nil, err
		}
		r.sets[l] = t
	}
	locales := make([]string, 0, len(overrides))
	for l := range overrides {
		locales = append(locales, l)
	}
	sort.Strings(locales)
	for _, l := range locales {
		base, ok := r.sets[l]
		if !ok {
			base = r.sets[r.fallback]
		}
		t, err := base.t.Clone()
		s := &set{t: t}
		if err == nil {
			bind(s)
			_, err = t.Parse(string(overrides[l]))
		}
		if err != nil {
			return nil, fmt.Errorf("templates %s: %w", l, err)
		}
		s.compile()
		r.sets[l] = s
		if err := try(s); err != nil {
			return nil, fmt.Errorf("templates %s: %w", l, err)
		}
	}
	return r, nil
}

func parseShipped(locale string) (*set, error) {
	b, err := shipped.ReadFile("templates/" + locale + ".tmpl")
	if err != nil {
		return nil, fmt.Errorf("shipped templates %s: %w", locale, err)
	}
	s := &set{t: template.New(locale)}
	bind(s)
	if _, err := s.t.Parse(string(b)); err != nil {
		return nil, fmt.Errorf("shipped templates %s: %w", locale, err)
	}
	s.compile()
	return s, nil
}

// bind gives s its functions; include executes a template of s by a
// computed name (text/template's {{template}} takes only constants).
func bind(s *set) {
	s.t.Funcs(template.FuncMap{
		"hours":   func(d time.Duration) int { return int(d.Round(time.Minute) / time.Hour) },
		"mins":    func(d time.Duration) int { return int(d.Round(time.Minute) % time.Hour / time.Minute) },
		"fields":  func() []string { return fieldNames },
		"include": s.include,
	})
}

// try renders every event of a sample incident.
func try(s *set) error {
	for _, ev := range []string{"opened", "reminder", "escalated", "acknowledged", "unacknowledged", "snoozed", "resolved"} {
		d := Sample()
		d.Event = ev
		if _, err := render(s, d); err != nil {
			return err
		}
	}
	return nil
}

// Render returns the words of d in locale (the fallback locale when the
// locale is unknown). A template that fails at run time falls back to the
// shipped one, and that failing to a bare title, so that an alert is never
// lost to a typo.
func (r *Renderer) Render(locale string, d Data) Rendered {
	t, ok := r.sets[locale]
	if !ok {
		t = r.sets[r.fallback]
	}
	out, err := render(t, d)
	if err == nil {
		return out
	}
	if base, perr := parseShipped(locale); perr == nil {
		if out, err := render(base, d); err == nil {
			return out
		}
	}
	title := fmt.Sprintf("%s %s/%s %s: %s", d.Event, d.Branch, d.Device, d.Check, d.Reason)
	return Rendered{Title: title, Text: title + "\n" + d.Link, AckLabel: "Acknowledge", SnoozeLabel: "Snooze 30 min"}
}

// render executes the message's templates over one copy of d that carries
// a memo: the text template includes every field and label, and each of
// them is executed once for the text and the fields alike.
func render(s *set, d Data) (Rendered, error) {
	var out Rendered
	var err error
	d.memo = &memo{}
	exec := func(name string) string {
		if err != nil {
			return ""
		}
		v, e := s.include(name, &d)
		if e != nil {
			err = e
		}
		return v
	}
	out.Title = exec("title")
	out.Text = exec("text")
	for i, f := range fieldNames {
		if v := exec(f); v != "" {
			if out.Fields == nil {
				out.Fields = make([]notify.Field, 0, len(fieldNames)-i)
			}
			out.Fields = append(out.Fields, notify.Field{Label: exec(labelNames[i]), Value: v})
		}
	}
	out.AckLabel = exec("button.ack")
	out.SnoozeLabel = exec("button.snooze")
	return out, err
}

// Reply renders the thread reply for d's event.
func (r *Renderer) Reply(locale string, d Data) string {
	t, ok := r.sets[locale]
	if !ok {
		t = r.sets[r.fallback]
	}
	v, err := t.include("reply", &d)
	if err != nil {
		return d.Event + ": " + d.Reason
	}
	return v
}

// Sample is a typical incident, for trying templates and for docs.
func Sample() Data {
	return Data{
		Event: "opened", State: "firing", Severity: "critical", Kind: "check",
		Branch: "lon-01", BranchName: "London Bridge", Region: "south",
		Device: "atm-02", DeviceKind: "atm", Vendor: "NCR", Model: "SelfServ 84",
		Check: "reachable", CheckKind: "tcp", Reason: "cannot connect to 10.20.1.12:443: connection refused",
		Since: "08:12", For: 18 * time.Minute,
		Deadline: Deadline{Phase: "before", At: "08:45", Opening: "09:00", Left: 15 * time.Minute},
		PerHour:  38.1, Remedy: "Power-cycle the ATM from the rear switch; if it stays down call NCR on 0800 000 000.",
		Link:    "https://branchready.example/branches/lon-01",
		AckedBy: "amy", AckedAt: "08:31", EscalatedTo: "region", Step: 15 * time.Minute,
		Silent: 12 * time.Minute, Checks: 7, Lasted: 42 * time.Minute,
	}
}
