package slack_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	sdk "github.com/slack-go/slack"

	"github.com/branchready/branchready/alerts/slack"
	"github.com/branchready/branchready/alerts/slack/slacktest"
	"github.com/branchready/branchready/config"
)

const signingSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// actions records what the handlers applied.
type actions struct {
	mu   sync.Mutex
	got  []slack.Action
	fail error
	seen chan struct{}
}

func newActions() *actions { return &actions{seen: make(chan struct{}, 16)} }

func (a *actions) on(_ context.Context, act slack.Action) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.got = append(a.got, act)
	a.seen <- struct{}{}
	return a.fail
}

func (a *actions) list() []slack.Action {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]slack.Action(nil), a.got...)
}

func TestInteractionSignatures(t *testing.T) {
	now := time.Date(2026, 3, 2, 8, 25, 0, 0, time.UTC)
	press := slacktest.BlockActions(slack.ActionID("snooze", 1), "inc-7/30m0s", "U123", "li.wei")
	for _, c := range []struct {
		name   string
		secret string
		at     time.Time
		status int
	}{
		{"a request signed now is applied", signingSecret, now, 200},
		{"a request signed four minutes ago is applied", signingSecret, now.Add(-4 * time.Minute), 200},
		{"a request signed six minutes ago is refused as stale", signingSecret, now.Add(-6 * time.Minute), 401},
		{"a request dated six minutes ahead is refused", signingSecret, now.Add(6 * time.Minute), 401},
		{"a request signed with another secret is refused as forged", "not-the-secret", now, 401},
	} {
		t.Run(c.name, func(t *testing.T) {
			acts := newActions()
			h := slack.NewInteractions(slack.InteractionOptions{SigningSecret: signingSecret, OnAction: acts.on, Now: func() time.Time { return now }})
			srv := httptest.NewServer(h)
			defer srv.Close()
			status, err := slacktest.Press(context.Background(), srv.Client(), srv.URL, c.secret, c.at, press)
			if err != nil || status != c.status {
				t.Fatalf("status = %d, %v; want %d", status, err, c.status)
			}
			got := acts.list()
			if c.status != 200 {
				if len(got) != 0 {
					t.Errorf("a refused request applied %+v", got)
				}
				return
			}
			want := slack.Action{Kind: "snooze", IncidentID: "inc-7", Snooze: 30 * time.Minute, User: "U123", UserName: "li.wei",
				Key: "slack:U123:1700000000.000001:" + slack.ActionID("snooze", 1) + ":inc-7/30m0s"}
			if len(got) != 1 || got[0] != want {
				t.Errorf("applied %+v, want %+v", got, want)
			}
		})
	}
}

func TestInteractionTampered(t *testing.T) {
	now := time.Now()
	acts := newActions()
	h := slack.NewInteractions(slack.InteractionOptions{SigningSecret: signingSecret, OnAction: acts.on, Now: func() time.Time { return now }})
	body := "payload=" + string(slacktest.BlockActions(slack.ActionID("ack", 0), "inc-1", "U1", "a"))
	ts, sig := slacktest.Sign(signingSecret, now, []byte(body))
	for name, mutate := range map[string]func(r *http.Request){
		"a changed body":        func(r *http.Request) {},
		"no signature":          func(r *http.Request) { r.Header.Del("X-Slack-Signature") },
		"no timestamp":          func(r *http.Request) { r.Header.Del("X-Slack-Request-Timestamp") },
		"a changed timestamp":   func(r *http.Request) { r.Header.Set("X-Slack-Request-Timestamp", "1") },
		"a malformed signature": func(r *http.Request) { r.Header.Set("X-Slack-Signature", "v0=zz") },
	} {
		t.Run(name+" is refused", func(t *testing.T) {
			sent := body
			if name == "a changed body" {
				sent = body + "x"
			}
			r := httptest.NewRequest(http.MethodPost, "/slack/interactions", stringsReader(sent))
			r.Header.Set("X-Slack-Request-Timestamp", ts)
			r.Header.Set("X-Slack-Signature", sig)
			mutate(r)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusUnauthorized || len(acts.list()) != 0 {
				t.Errorf("status %d with %d actions applied, want 401 and none", w.Code, len(acts.list()))
			}
		})
	}
}

func TestSignatureMatchesSlackSDK(t *testing.T) {
	// The fake signs as Slack does: slack-go's own verifier accepts it.
	body := []byte("payload=%7B%7D")
	ts, sig := slacktest.Sign(signingSecret, time.Now(), body)
	hd := http.Header{"X-Slack-Request-Timestamp": {ts}, "X-Slack-Signature": {sig}}
	v, err := sdk.NewSecretsVerifier(hd, signingSecret)
	if err != nil {
		t.Fatal(err)
	}
	v.Write(body)
	if err := v.Ensure(); err != nil {
		t.Errorf("slack-go rejects the fake's signature: %v", err)
	}
}

func TestInteractionActionFails(t *testing.T) {
	now := time.Now()
	acts := newActions()
	acts.fail = errors.New("store down")
	h := slack.NewInteractions(slack.InteractionOptions{SigningSecret: signingSecret, OnAction: acts.on, Now: func() time.Time { return now }})
	srv := httptest.NewServer(h)
	defer srv.Close()
	status, _ := slacktest.Press(context.Background(), srv.Client(), srv.URL, signingSecret, now, slacktest.BlockActions(slack.ActionID("ack", 0), "inc-1", "U1", "a"))
	if status != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500 so Slack shows the failure", status)
	}
}

func TestInteractionIgnoresForeignButtons(t *testing.T) {
	now := time.Now()
	acts := newActions()
	h := slack.NewInteractions(slack.InteractionOptions{SigningSecret: signingSecret, OnAction: acts.on, Now: func() time.Time { return now }})
	srv := httptest.NewServer(h)
	defer srv.Close()
	status, _ := slacktest.Press(context.Background(), srv.Client(), srv.URL, signingSecret, now, slacktest.BlockActions("someone_elses_button", "x", "U1", "a"))
	if status != 200 || len(acts.list()) != 0 {
		t.Errorf("status %d, applied %+v; want 200 and nothing", status, acts.list())
	}
}

func TestSocketMode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fake := slacktest.Start(slacktest.Options{AppToken: "xapp-1-secret"})
	defer fake.Close()
	acts := newActions()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- slack.RunSocketMode(runCtx, slack.SocketOptions{AppToken: config.Secret("xapp-1-secret"), APIURL: fake.URL, OnAction: acts.on})
	}()
	if err := fake.Interact(ctx, slacktest.BlockActions(slack.ActionID("ack", 0), "inc-9", "U42", "zhang.min")); err != nil {
		t.Fatalf("interaction not acknowledged: %v", err)
	}
	want := slack.Action{Kind: "ack", IncidentID: "inc-9", User: "U42", UserName: "zhang.min",
		Key: "slack:U42:1700000000.000001:" + slack.ActionID("ack", 0) + ":inc-9"}
	if got := acts.list(); len(got) != 1 || got[0] != want {
		t.Errorf("applied %+v, want %+v", got, want)
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("RunSocketMode after stop: %v", err)
	}
}

func TestSocketModeBadAppToken(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fake := slacktest.Start(slacktest.Options{AppToken: "xapp-right"})
	defer fake.Close()
	err := slack.RunSocketMode(ctx, slack.SocketOptions{AppToken: config.Secret("xapp-wrong-SECRET"), APIURL: fake.URL, OnAction: newActions().on})
	if err == nil || ctx.Err() != nil {
		t.Fatalf("RunSocketMode = %v, want it to give up on invalid_auth", err)
	}
	if got := err.Error(); !containsAll(got, "invalid_auth") || containsAll(got, "SECRET") {
		t.Errorf("error = %q, want invalid_auth without the token", got)
	}
}
