package fallback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/branchready/branchready/result"
)

// Defaults for After and Window.
const (
	DefaultAfter  = 10 * time.Minute
	DefaultWindow = time.Hour
)

// Options configure a Fallback.
type Options struct {
	// WebhookURL is the branch channel's Slack incoming webhook (a secret).
	WebhookURL string
	// After is how long without an acknowledgement from the collector makes
	// it unreachable.
	After time.Duration
	// Window is how close to the deadline (before or after) a failure must be.
	Window time.Duration
	// StatePath remembers what was posted, across restarts.
	StatePath string
	Client    *http.Client
	Log       *slog.Logger
	Now       func() time.Time
}

// Situation is what the agent knows after a sweep.
type Situation struct {
	Branch, BranchName string
	// Date and Deadline are the branch-day's; Deadline is zero on a closed day.
	Date     string
	Deadline time.Time
	// LastAck is the last time the collector acknowledged a request; when
	// the agent has never reached it, the time the agent started.
	LastAck time.Time
	// Failing are the blocking checks that fail, with their reasons.
	Failing []result.Result
}

// Fallback decides and posts local alerts.
type Fallback struct {
	o    Options
	mu   sync.Mutex
	sent map[string]bool // date/device/check already posted
}

// New returns a Fallback; it reads what was posted before from StatePath.
func New(o Options) *Fallback {
	if o.After <= 0 {
		o.After = DefaultAfter
	}
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 15 * time.Second}
	}
	f := &Fallback{o: o, sent: map[string]bool{}}
	if b, err := os.ReadFile(o.StatePath); err == nil {
		var keys []string
		if json.Unmarshal(b, &keys) == nil {
			for _, k := range keys {
				f.sent[k] = true
			}
		}
	}
	return f
}

// Due returns the failures that call for a local alert now: none while the
// collector acknowledges, outside the window around the deadline, or for a
// failure already posted.
func (f *Fallback) Due(s Situation) []result.Result {
	now := f.o.Now()
	if s.Deadline.IsZero() || now.Sub(s.LastAck) < f.o.After {
		return nil
	}
	if now.Before(s.Deadline.Add(-f.o.Window)) || now.After(s.Deadline.Add(f.o.Window)) {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var due []result.Result
	for _, r := range s.Failing {
		if !f.sent[key(s.Date, r)] {
			due = append(due, r)
		}
	}
	return due
}

func key(date string, r result.Result) string { return date + "/" + r.Device + "/" + r.Check }

// Consider posts one message for the failures that are due and remembers
// them. It returns how many failures it reported.
func (f *Fallback) Consider(ctx context.Context, s Situation) (int, error) {
	due := f.Due(s)
	if len(due) == 0 {
		return 0, nil
	}
	msg := Message(s, due, f.o.Now(), f.o.After)
	if err := slack.PostWebhookCustomHTTPContext(ctx, f.o.WebhookURL, f.o.Client, msg); err != nil {
		// slack-go's errors can quote the URL, which is the secret.
		return 0, errors.New("post to the branch's Slack webhook failed: " + redact(err.Error(), f.o.WebhookURL))
	}
	f.mu.Lock()
	for _, r := range due {
		f.sent[key(s.Date, r)] = true
	}
	err := f.save(s.Date)
	f.mu.Unlock()
	f.o.Log.Warn("collector unreachable: alerted the branch channel directly", "failures", len(due), "last_ack", s.LastAck)
	return len(due), err
}

// save keeps today's keys only, so the file never grows.
func (f *Fallback) save(date string) error {
	var keys []string
	for k := range f.sent {
		if strings.HasPrefix(k, date+"/") {
			keys = append(keys, k)
		} else {
			delete(f.sent, k)
		}
	}
	sort.Strings(keys)
	b, _ := json.Marshal(keys)
	tmp := f.o.StatePath + ".tmp"
	if err := os.MkdirAll(filepath.Dir(f.o.StatePath), 0o750); err != nil {
		return fmt.Errorf("fallback state: %w", err)
	}
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("fallback state: %w", err)
	}
	return os.Rename(tmp, f.o.StatePath)
}

func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "<secret>")
}

// Message is the local alert: what fails, the time left, and why the agent
// itself is posting.
func Message(s Situation, due []result.Result, now time.Time, after time.Duration) *slack.WebhookMessage {
	name := s.BranchName
	if name == "" {
		name = s.Branch
	}
	var lines []string
	for _, r := range due {
		lines = append(lines, fmt.Sprintf("• *%s* %s: %s", r.Device, r.Check, r.Reason))
	}
	left := s.Deadline.Sub(now)
	when := fmt.Sprintf("%s left until the readiness deadline (%s)", minutes(left), s.Deadline.Format("15:04"))
	if left < 0 {
		when = fmt.Sprintf("the readiness deadline (%s) passed %s ago", s.Deadline.Format("15:04"), minutes(-left))
	}
	head := fmt.Sprintf(":rotating_light: %s is not ready: %d blocking check(s) fail, %s.", name, len(due), when)
	why := fmt.Sprintf("Sent by the branch agent itself: the central collector has not answered for %s (since %s), so the operations centre may not know.",
		minutes(now.Sub(s.LastAck)), s.LastAck.Format("15:04"))
	text := head + "\n" + strings.Join(lines, "\n") + "\n" + why
	return &slack.WebhookMessage{Text: text, Blocks: &slack.Blocks{BlockSet: []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, head+"\n"+strings.Join(lines, "\n"), false, false), nil, nil),
		slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, why, false, false)),
	}}}
}

// minutes writes d as "45 min" or "2 h 05 min".
func minutes(d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	if m < 60 {
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d h %02d min", m/60, m%60)
}
