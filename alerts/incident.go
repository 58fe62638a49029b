package alerts

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"strconv"
	"time"

	"github.com/branchready/branchready/result"
)

// State is where an incident is in its life.
type State string

// States. An incident is open while pending or firing.
const (
	// Pending: failing, but fewer times in a row than the fail threshold.
	Pending State = "pending"
	// Firing: failing past the threshold; people are told.
	Firing State = "firing"
	// Resolved: passed enough times in a row, or never got past pending.
	Resolved State = "resolved"
)

// Severity follows the device's criticality.
type Severity string

// Severities.
const (
	Critical Severity = "critical"
	Warning  Severity = "warning"
	Info     Severity = "info"
)

// SeverityOf maps a device criticality to a severity.
func SeverityOf(c result.Criticality) Severity {
	switch c {
	case result.Degrading:
		return Warning
	case result.Informational:
		return Info
	}
	return Critical
}

// Kind tells a device check's incident from a whole branch's.
type Kind string

// Incident kinds.
const (
	// KindCheck is one check of one device failing.
	KindCheck Kind = "check"
	// KindUnreachable is every check of a branch failing to connect: the
	// branch's network, not its devices.
	KindUnreachable Kind = "branch_unreachable"
	// KindAgentSilent is a branch whose agent has sent nothing for a while.
	KindAgentSilent Kind = "agent_silent"
)

// Key identifies what an incident is about. Branch-wide incidents have an
// empty Device and their kind as Check.
type Key struct {
	Branch string `json:"branch"`
	Device string `json:"device,omitempty"`
	Check  string `json:"check"`
}

func (k Key) String() string { return k.Branch + "/" + k.Device + "/" + k.Check }

// Posted is a target that has the incident's message, so that changes
// edit it and replies go to its thread.
type Posted struct {
	Notifier string `json:"notifier"`
	Target   string `json:"target"`
	Locale   string `json:"locale"`
	Level    Level  `json:"level"`
}

// Incident is one episode of one thing failing, from its first failure to
// its resolution. It is plain data: the collector stores it as JSON and
// hands it back; only Policy changes it.
type Incident struct {
	ID       string   `json:"id"`
	Key      Key      `json:"key"`
	Kind     Kind     `json:"kind"`
	Region   string   `json:"region,omitempty"`
	State    State    `json:"state"`
	Severity Severity `json:"severity"`
	// Since is the agent's time of the first failure of the episode.
	Since      time.Time `json:"since"`
	FiredAt    time.Time `json:"fired_at,omitzero"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	// Reason is the latest failure's reason.
	Reason string `json:"reason"`
	// Failures counts failed results in this episode; Passes counts passing
	// results in a row since the last failure.
	Failures int `json:"failures"`
	Passes   int `json:"passes"`
	// Unreachable is set when the latest failure was a failure to connect.
	Unreachable bool `json:"unreachable,omitempty"`
	// LastResult is the agent time of the latest result applied; older
	// results (late from a spool) do not move the state back.
	LastResult   time.Time `json:"last_result,omitzero"`
	LastNotified time.Time `json:"last_notified,omitzero"`
	Reminders    int       `json:"reminders"`
	AckedBy      string    `json:"acked_by,omitempty"`
	AckedAt      time.Time `json:"acked_at,omitzero"`
	SnoozedBy    string    `json:"snoozed_by,omitempty"`
	SnoozedUntil time.Time `json:"snoozed_until,omitzero"`
	// EscalationDay is the branch-local date whose escalation steps
	// EscalationSteps counts (the first EscalationSteps steps are done).
	EscalationDay   string `json:"escalation_day,omitempty"`
	EscalationSteps int    `json:"escalation_steps"`
	// Notified lists the targets holding the incident's message.
	Notified []Posted `json:"notified,omitempty"`
	// SuppressedBy is the id of the incident that explains this one (the
	// branch is unreachable, a device it depends on is down); MutedBy is
	// the id of a silence or maintenance window. Either stops messages.
	SuppressedBy string `json:"suppressed_by,omitempty"`
	MutedBy      string `json:"muted_by,omitempty"`
}

// Open reports whether the incident is pending or firing.
func (inc *Incident) Open() bool { return inc.State == Pending || inc.State == Firing }

// Acked reports whether someone has taken the incident on.
func (inc *Incident) Acked() bool { return inc.AckedBy != "" }

// Snoozed reports whether reminders are held at now.
func (inc *Incident) Snoozed(now time.Time) bool { return now.Before(inc.SnoozedUntil) }

// posted reports whether the target already holds the message.
func (inc *Incident) posted(notifier, target string) bool {
	for _, p := range inc.Notified {
		if p.Notifier == notifier && p.Target == target {
			return true
		}
	}
	return false
}

// incidentID is stable for a key and the first failure's time, so that a
// result replayed after a crash opens the same incident, not a second one.
func incidentID(k Key, since time.Time) string {
	h := sha256.Sum256([]byte(k.String() + "@" + strconv.FormatInt(since.UnixNano(), 10)))
	return "inc-" + hex.EncodeToString(h[:8])
}

// Silence mutes notifications of matching incidents between Start and End.
// Silences are made on the board or through the API; the collector stores
// them and hands the engine those of the branch.
type Silence struct {
	ID        string    `json:"id"`
	Matcher   Matcher   `json:"matcher"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	CreatedBy string    `json:"created_by"`
	Comment   string    `json:"comment"`
}

// Active reports whether s mutes at now.
func (s *Silence) Active(now time.Time) bool { return !now.Before(s.Start) && now.Before(s.End) }

// Matches reports whether the matcher selects the incident. A branch-wide
// incident has no device or check: a matcher naming one does not select it.
func (m Matcher) Matches(inc *Incident) bool {
	check := inc.Key.Check
	if inc.Kind != KindCheck {
		check = ""
	}
	return match(m.Branch, inc.Key.Branch) && match(m.Region, inc.Region) &&
		match(m.Device, inc.Key.Device) && match(m.Check, check)
}

func match(pattern, v string) bool {
	if pattern == "" {
		return true
	}
	ok, err := path.Match(pattern, v)
	return err == nil && ok
}
