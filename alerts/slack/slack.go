package slack

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/slack-go/slack"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/config"
)

// Name is the notifier name messages for Slack carry (notify.Message.Notifier).
const Name = "slack"

// Pace is the spacing Slack asks for between messages to one channel.
const Pace = time.Second

// Options configure the notifier.
type Options struct {
	// Token is the bot token (xoxb-...).
	Token config.Secret
	// APIURL is Slack's Web API URL; tests and staging point it elsewhere.
	// Empty means https://slack.com/api/.
	APIURL string
	// HTTPClient sends the requests; a client with a 30 s timeout when nil.
	HTTPClient *http.Client
	Log        *slog.Logger
}

// Notifier is a notify.Notifier for Slack.
type Notifier struct {
	api *slack.Client
	// hc and apiURL are api's, for the posts and updates Notify sends
	// itself (see send).
	hc     *http.Client
	apiURL string
	token  string
	log    *slog.Logger
	// channels maps the channel names routes use to Slack's ids, which
	// conversations.history requires (see Find).
	channels channelIDs
}

var (
	_ notify.Notifier = (*Notifier)(nil)
	_ notify.Paced    = (*Notifier)(nil)
	_ notify.Finder   = (*Notifier)(nil)
)

// New returns a notifier. It does no I/O; Check verifies the token.
func New(o Options) *Notifier {
	api, hc, apiURL := client(o.Token.Reveal(), "", o.APIURL, o.HTTPClient)
	return &Notifier{api: api, hc: hc, apiURL: apiURL, token: o.Token.Reveal(), log: logger(o.Log)}
}

// idleConns is how many idle connections to Slack are kept: more than the
// deliveries in flight at once (outbox.DefaultWorkers).
const idleConns = 32

// client builds a slack-go client without its own retries (the outbox
// retries, durably) and without its stderr logger, with the HTTP client and
// API URL it uses.
func client(token, appToken, apiURL string, hc *http.Client) (*slack.Client, *http.Client, string) {
	if apiURL == "" {
		apiURL = slack.APIURL
	}
	if hc == nil {
		// The delivery loop posts up to 16 messages at once, all to one
		// host: the default transport keeps two idle connections a host,
		// so most posts of a wave dialled (and in production shook hands
		// for TLS) anew.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = idleConns
		hc = &http.Client{Timeout: 30 * time.Second, Transport: tr}
	}
	opts := []slack.Option{slack.OptionAPIURL(apiURL), slack.OptionHTTPClient(hc), slack.OptionLog(discard{})}
	if appToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(appToken))
	}
	return slack.New(token, opts...), hc, apiURL
}

// discard swallows slack-go's log lines (only written in its debug mode).
type discard struct{}

func (discard) Output(int, string) error { return nil }

func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// Name implements notify.Notifier.
func (n *Notifier) Name() string { return Name }

// Pace implements notify.Paced: Slack allows about one message per second
// per channel.
func (n *Notifier) Pace() time.Duration { return Pace }

// Check calls auth.test, so a bad token shows at start rather than with the
// first incident.
func (n *Notifier) Check(ctx context.Context) error {
	if _, err := n.api.AuthTestContext(ctx); err != nil {
		return n.classify("auth.test", err)
	}
	return nil
}

// Notify implements notify.Notifier.
func (n *Notifier) Notify(ctx context.Context, thread notify.Receipt, m notify.Message) (notify.Receipt, error) {
	switch m.Op {
	case notify.Post:
		ch, ts, err := n.send(ctx, "chat.postMessage", m.Target, m, "", "")
		if err != nil {
			return notify.Receipt{}, n.classify("chat.postMessage", err)
		}
		n.channels.learn(m.Target, ch)
		return notify.Receipt{Channel: ch, TS: ts}, nil
	case notify.Update, notify.Reply:
		if thread.Channel == "" || thread.TS == "" {
			return notify.Receipt{}, &notify.Error{Reason: "no_thread", Err: errors.New("the incident's first message was never delivered to " + m.Target)}
		}
		if m.Op == notify.Update {
			ch, ts, err := n.send(ctx, "chat.update", thread.Channel, m, thread.TS, "")
			if err != nil {
				return notify.Receipt{}, n.classify("chat.update", err)
			}
			return notify.Receipt{Channel: ch, TS: ts}, nil
		}
		ch, ts, err := n.send(ctx, "chat.postMessage", thread.Channel, m, "", thread.TS)
		if err != nil {
			return notify.Receipt{}, n.classify("chat.postMessage", err)
		}
		return notify.Receipt{Channel: ch, TS: ts}, nil
	default:
		return notify.Receipt{}, &notify.Error{Reason: "bad_op", Err: errors.New("unknown op " + string(m.Op))}
	}
}
