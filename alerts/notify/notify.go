package notify

import (
	"context"
	"time"
)

// Op is what a notifier is asked to do with an incident's conversation.
type Op string

// Ops. An incident has one message per route (Post creates it); later
// changes edit it in place (Update) and add to its thread (Reply).
const (
	// Post sends the incident's first message to the route.
	Post Op = "post"
	// Update edits the incident's message in place (state, who acknowledged).
	Update Op = "update"
	// Reply adds a message to the incident's thread (reminder, escalation, resolved).
	Reply Op = "reply"
)

// Field is one labelled line of a message ("Impact", "What to do").
type Field struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Button is an interactive action offered with a message.
type Button struct {
	// Action is "ack" or "snooze"; Value carries the incident id and, for a
	// snooze, its length ("inc-123/30m").
	Action string `json:"action"`
	Label  string `json:"label"`
	Value  string `json:"value"`
}

// Message is a rendered notification, in the route's language, ready to send.
type Message struct {
	// IncidentID ties the message to its incident's conversation.
	IncidentID string `json:"incident_id"`
	// Notifier names the notifier that delivers it: "slack" or "webhook:NAME".
	Notifier string `json:"notifier"`
	// Target is where it goes: a Slack channel id or name, or a webhook's name.
	Target string `json:"target"`
	Op     Op     `json:"op"`
	// Event says why it was sent: opened, reminder, escalated, acknowledged,
	// snoozed, resolved, updated.
	Event    string `json:"event"`
	Severity string `json:"severity"`
	// State is the incident's state after the event: firing, acknowledged, resolved.
	State string `json:"state"`
	// Title is one line: what and where.
	Title string `json:"title"`
	// Text is the whole message as plain text (notification fallback, webhooks).
	Text   string   `json:"text"`
	Fields []Field  `json:"fields,omitempty"`
	Link   string   `json:"link,omitempty"`
	Button []Button `json:"buttons,omitempty"`
	// Labels are the incident's identity for machines: branch, region,
	// device, check.
	Labels map[string]string `json:"labels,omitempty"`
	// DecidedAt is when the engine decided to send it (latency is measured from it).
	DecidedAt time.Time `json:"decided_at"`
	// DeliveryID names this message in the outbox, the same on every
	// attempt by any collector; the outbox sets it before each call. A
	// notifier that can attaches it to what it sends (Slack message
	// metadata), so that a Finder recognises the message later.
	DeliveryID string `json:"-"`
}

// Receipt says where an incident's message lives on a route, so that later
// Updates and Replies reach it, across restarts.
type Receipt struct {
	// Channel is the channel the message was posted in (Slack's id).
	Channel string `json:"channel,omitempty"`
	// TS is the message's timestamp id (Slack) or the remote id (webhook).
	TS string `json:"ts,omitempty"`
}

// Notifier delivers messages. Notify sends m; thread is the receipt of the
// incident's first message on this route (zero for a Post). It returns the
// receipt of what it sent. On error, retryable says whether trying again
// later can succeed (a 429 or 5xx) or not (bad token, unknown channel); a
// retryable error may carry a RetryAfter.
type Notifier interface {
	Name() string
	Notify(ctx context.Context, thread Receipt, m Message) (Receipt, error)
}

// Paced is implemented by a notifier whose remote limits how often one
// target may receive a message (Slack: about one per second per channel).
// The outbox spaces deliveries to one target by at least Pace.
type Paced interface {
	Pace() time.Duration
}

// Finder is implemented by a notifier that can tell whether a message it
// may have sent already reached the remote. The outbox asks it before
// sending again a message whose earlier attempt has no known outcome (the
// collector died, or the call timed out, after the remote may have taken
// it), so that the message is recorded instead of sent twice.
type Finder interface {
	// Find looks for m, as sent with its DeliveryID, among what the remote
	// received since since; thread is the incident's first message on the
	// route (zero for a Post). It returns the receipt of the message found,
	// or found false when there is none. A retryable error means the
	// outcome is still unknown.
	Find(ctx context.Context, thread Receipt, m Message, since time.Time) (rc Receipt, found bool, err error)
}

// Error is a delivery failure with what the outbox needs to decide on it.
type Error struct {
	// Retryable is false for configuration errors (invalid_auth,
	// channel_not_found): those are shown to operators, not retried forever.
	Retryable bool
	// RetryAfter is the wait the remote asked for (429), zero when none.
	RetryAfter time.Duration
	// Reason is a short machine word for metrics: rate_limited, server_error,
	// invalid_auth, channel_not_found, network, ...
	Reason string
	Err    error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return e.Reason
	}
	return e.Reason + ": " + e.Err.Error()
}
func (e *Error) Unwrap() error { return e.Err }
