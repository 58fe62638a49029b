package slack_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/slack"
	"github.com/branchready/branchready/alerts/slack/slacktest"
	"github.com/branchready/branchready/config"
)

const token = "xoxb-1234-5678-SECRETSECRET"

func notifier(fake *slacktest.Server, tok string) *slack.Notifier {
	return slack.New(slack.Options{Token: config.Secret(tok), APIURL: fake.URL, HTTPClient: fake.Client()})
}

func opened(id string) notify.Message {
	return notify.Message{
		IncidentID: id, Notifier: "slack", Target: "#branch-paris", Op: notify.Post,
		Event: "opened", Severity: "critical", State: "firing",
		Title: "ATM atm-02 is down at Rue de la Paix",
		Text:  "ATM atm-02 is down at Rue de la Paix since 08:20. About 38 customers an hour go to the counter.",
		Fields: []notify.Field{
			{Label: "Impact", Value: "about 38 customers an hour go to the counter"},
			{Label: "What to do", Value: "Power-cycle the ATM from the rear switch"},
		},
		Link: "https://board.example/branches/br-001",
		Button: []notify.Button{
			{Action: notify.Ack, Label: "Acknowledge", Value: id},
			{Action: notify.Snooze, Label: "Snooze 30 min", Value: notify.ButtonValue(notify.Snooze, id, 30*time.Minute)},
		},
	}
}

func TestPostUpdateReply(t *testing.T) {
	ctx := context.Background()
	fake := slacktest.New(slacktest.Options{Token: token})
	n := notifier(fake, token)

	post, err := n.Notify(ctx, notify.Receipt{}, opened("inc-1"))
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	if post.Channel != fake.ChannelID("#branch-paris") || post.TS == "" {
		t.Fatalf("post receipt = %+v, want the channel's id and a ts", post)
	}
	up := opened("inc-1")
	up.Op, up.Event, up.State, up.Text, up.Button = notify.Update, "acknowledged", "acknowledged", "Acknowledged by Li Wei at 08:25", nil
	if rc, err := n.Notify(ctx, post, up); err != nil || rc.TS != post.TS {
		t.Fatalf("update = %+v, %v; want the post's ts", rc, err)
	}
	reply := opened("inc-1")
	reply.Op, reply.Event, reply.Text, reply.Fields, reply.Button = notify.Reply, "reminder", "Still down, 25 minutes to opening", nil, nil
	rrc, err := n.Notify(ctx, post, reply)
	if err != nil || rrc.TS == post.TS {
		t.Fatalf("reply = %+v, %v; want a new ts", rrc, err)
	}

	msgs := fake.Messages("#branch-paris")
	if len(msgs) != 2 {
		t.Fatalf("channel holds %d messages, want the post and its reply", len(msgs))
	}
	first, second := msgs[0], msgs[1]
	if first.Text != "Acknowledged by Li Wei at 08:25" || len(first.Edits) != 1 {
		t.Errorf("the post reads %q after %d edits, want the acknowledgement after 1", first.Text, len(first.Edits))
	}
	if strings.Contains(string(first.Blocks), "branchready_ack") {
		t.Errorf("the acknowledged message still offers its buttons: %s", first.Blocks)
	}
	if second.ThreadTS != post.TS || second.Text != "Still down, 25 minutes to opening" {
		t.Errorf("reply = %+v, want it in the post's thread", second)
	}
}

func TestPostBlocks(t *testing.T) {
	fake := slacktest.New(slacktest.Options{})
	if _, err := notifier(fake, token).Notify(context.Background(), notify.Receipt{}, opened("inc-7")); err != nil {
		t.Fatal(err)
	}
	m := fake.Messages("branch-paris")[0]
	blocks := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">").Replace(string(m.Blocks))
	for _, want := range []string{
		`"action_id":"branchready_ack_0"`, `"value":"inc-7"`,
		`"action_id":"branchready_snooze_1"`, `"value":"inc-7/30m0s"`,
		`<https://board.example/branches/br-001|ATM atm-02 is down at Rue de la Paix>`,
		`*What to do*\nPower-cycle the ATM from the rear switch`,
	} {
		if !strings.Contains(blocks, want) {
			t.Errorf("blocks lack %s:\n%s", want, blocks)
		}
	}
	if !strings.HasPrefix(m.Text, "ATM atm-02 is down") {
		t.Errorf("fallback text = %q, want the message text", m.Text)
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct {
		name       string
		fault      *slacktest.Fault
		opts       slacktest.Options
		token      string
		retryable  bool
		reason     string
		retryAfter time.Duration
	}{
		{"a 429 with Retry-After is retried after it", &slacktest.Fault{Status: 429, RetryAfter: 7 * time.Second, Count: 1}, slacktest.Options{}, token, true, "rate_limited", 7 * time.Second},
		{"a 429 without Retry-After is retried", &slacktest.Fault{Status: 429, Count: 1}, slacktest.Options{}, token, true, "rate_limited", 0},
		{"a 500 is retried", &slacktest.Fault{Status: 500, Count: 1}, slacktest.Options{}, token, true, "server_error", 0},
		{"a 503 is retried", &slacktest.Fault{Status: 503, Count: 1}, slacktest.Options{}, token, true, "server_error", 0},
		{"Slack's ratelimited answer is retried", &slacktest.Fault{SlackError: "ratelimited", Count: 1}, slacktest.Options{}, token, true, "ratelimited", 0},
		{"a wrong token is a configuration error", nil, slacktest.Options{Token: "xoxb-other"}, token, false, "invalid_auth", 0},
		{"a missing token is a configuration error", nil, slacktest.Options{}, "", false, "not_authed", 0},
		{"an unknown channel is a configuration error", nil, slacktest.Options{Channels: []string{"ops"}}, token, false, "channel_not_found", 0},
		{"a channel the bot is not in is a configuration error", &slacktest.Fault{SlackError: "not_in_channel"}, slacktest.Options{}, token, false, "not_in_channel", 0},
		{"a deactivated workspace is a configuration error", &slacktest.Fault{SlackError: "account_inactive"}, slacktest.Options{}, token, false, "account_inactive", 0},
		{"a 404 is a configuration error", &slacktest.Fault{Status: 404}, slacktest.Options{}, token, false, "http_404", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			fake := slacktest.New(c.opts)
			if c.fault != nil {
				fake.Fail(*c.fault)
			}
			_, err := notifier(fake, c.token).Notify(context.Background(), notify.Receipt{}, opened("inc-1"))
			var ne *notify.Error
			if !errors.As(err, &ne) {
				t.Fatalf("error = %v, want a notify.Error", err)
			}
			if ne.Retryable != c.retryable || ne.Reason != c.reason || ne.RetryAfter != c.retryAfter {
				t.Errorf("error = %+v, want retryable %v, reason %s, retry after %v", ne, c.retryable, c.reason, c.retryAfter)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error text shows the token: %v", err)
			}
		})
	}
}

func TestUpdateWithoutThreadIsPermanent(t *testing.T) {
	up := opened("inc-1")
	up.Op = notify.Update
	_, err := notifier(slacktest.New(slacktest.Options{}), token).Notify(context.Background(), notify.Receipt{}, up)
	var ne *notify.Error
	if !errors.As(err, &ne) || ne.Retryable || ne.Reason != "no_thread" {
		t.Errorf("update without thread: %v, want a permanent no_thread error", err)
	}
}

func TestNetworkErrorHidesToken(t *testing.T) {
	// The token is in the URL path here, as a misconfigured proxy or API URL
	// might put it: it must not reach the error text.
	n := slack.New(slack.Options{Token: token, APIURL: "http://127.0.0.1:1/" + token + "/", HTTPClient: &http.Client{}})
	_, err := n.Notify(context.Background(), notify.Receipt{}, opened("inc-1"))
	var ne *notify.Error
	if !errors.As(err, &ne) || !ne.Retryable || ne.Reason != "network" {
		t.Fatalf("error = %v, want a retryable network error", err)
	}
	if strings.Contains(err.Error(), "SECRET") || !strings.Contains(err.Error(), "<secret>") {
		t.Errorf("error text = %q, want the token redacted", err)
	}
}

func TestCheck(t *testing.T) {
	fake := slacktest.New(slacktest.Options{Token: token})
	if err := notifier(fake, token).Check(context.Background()); err != nil {
		t.Errorf("Check with the right token: %v", err)
	}
	var ne *notify.Error
	if err := notifier(fake, "xoxb-wrong").Check(context.Background()); !errors.As(err, &ne) || ne.Reason != "invalid_auth" {
		t.Errorf("Check with a wrong token: %v, want invalid_auth", err)
	}
}
