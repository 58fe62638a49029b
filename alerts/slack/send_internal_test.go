package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/config"
)

// canned answers every request with one response and keeps the bodies.
type canned struct {
	status int
	header http.Header
	body   string
	got    []string
}

func (c *canned) RoundTrip(r *http.Request) (*http.Response, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	c.got = append(c.got, r.Method+" "+r.URL.String()+" "+r.Header.Get("Content-Type")+"\n"+string(b))
	h := c.header.Clone()
	if h == nil {
		h = http.Header{}
	}
	return &http.Response{StatusCode: c.status, Status: fmt.Sprintf("%d %s", c.status, http.StatusText(c.status)), Header: h,
		Body: io.NopCloser(strings.NewReader(c.body)), Request: r}, nil
}

// viaSlackGo is Notify as it was written on slack-go's PostMessageContext
// and UpdateMessageContext, the reference send must match.
func (n *Notifier) viaSlackGo(ctx context.Context, thread notify.Receipt, m notify.Message) (notify.Receipt, error) {
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, true), slack.MsgOptionBlocks(Blocks(m)...)}
	if m.DeliveryID != "" {
		opts = append(opts, slack.MsgOptionMetadata(metadataOf(m)))
	}
	var (
		ch, ts string
		err    error
	)
	switch m.Op {
	case notify.Post:
		ch, ts, err = n.api.PostMessageContext(ctx, m.Target, opts...)
	case notify.Update:
		ch, ts, _, err = n.api.UpdateMessageContext(ctx, thread.Channel, thread.TS, opts...)
	default:
		ch, ts, err = n.api.PostMessageContext(ctx, thread.Channel, append(opts, slack.MsgOptionTS(thread.TS))...)
	}
	if err != nil {
		return notify.Receipt{}, n.classify("chat.x", err)
	}
	return notify.Receipt{Channel: ch, TS: ts}, nil
}

func TestSendIsWhatSlackGoSends(t *testing.T) {
	answers := []struct {
		name   string
		status int
		header http.Header
		body   string
	}{
		{"a post's answer with the whole message", 200, nil, `{"ok":true,"channel":"C1","ts":"1.000001","message":{"type":"message","text":"x","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"*a*"}},{"type":"actions","block_id":"b","elements":[{"type":"button","text":{"type":"plain_text","text":"Ack","emoji":false},"action_id":"a","value":"v"}]}],"ts":"1.000001"}}`},
		{"an answer with message_ts only", 200, nil, `{"ok":true,"channel":"C1","message_ts":"2.000002"}`},
		{"a Slack error", 200, nil, `{"ok":false,"error":"channel_not_found","response_metadata":{"messages":["[ERROR] no"]}}`},
		{"a retryable Slack error", 200, nil, `{"ok":false,"error":"ratelimited"}`},
		{"a rate limit with Retry-After", 429, http.Header{"Retry-After": {"7"}}, `{"ok":false}`},
		{"a rate limit without Retry-After", 429, nil, ``},
		{"a bad Retry-After", 429, http.Header{"Retry-After": {"soon"}}, ``},
		{"a server error", 503, nil, `<html>down</html>`},
		{"a proxy's page", 200, nil, `<html>login</html>`},
	}
	rng := rand.New(rand.NewPCG(3, 5))
	for _, a := range answers {
		t.Run("the request and the outcome of "+a.name+" are slack-go's", func(t *testing.T) {
			for i := range 40 {
				m := randomMessage(rng)
				m.Target, m.IncidentID = "#branch-"+fmt.Sprint(i), "inc-"+fmt.Sprint(i)
				m.Op = []notify.Op{notify.Post, notify.Update, notify.Reply}[i%3]
				if i%2 == 0 {
					m.DeliveryID, m.Event = fmt.Sprint("d-", i), "opened"
				}
				thread := notify.Receipt{Channel: "C9", TS: "9.000009"}
				var got, want []string
				var outs []string
				for _, legacy := range []bool{false, true} {
					tr := &canned{status: a.status, header: a.header, body: a.body}
					n := New(Options{Token: config.Secret("xoxb-1-2-SECRET"), APIURL: "https://slack.test/api/", HTTPClient: &http.Client{Transport: tr}})
					var rc notify.Receipt
					var err error
					if legacy {
						rc, err = n.viaSlackGo(t.Context(), thread, m)
					} else {
						rc, err = n.Notify(t.Context(), thread, m)
					}
					out := fmt.Sprintf("%+v", rc)
					var ne *notify.Error
					if errors.As(err, &ne) {
						out += fmt.Sprintf(" retryable=%v after=%v reason=%s err=%s", ne.Retryable, ne.RetryAfter, ne.Reason,
							strings.Replace(ne.Error(), "chat.update", "chat.x", 1))
					} else if err != nil {
						out += " " + err.Error()
					}
					outs = append(outs, strings.ReplaceAll(strings.ReplaceAll(out, "chat.postMessage", "chat.x"), "chat.update", "chat.x"))
					if legacy {
						want = tr.got
					} else {
						got = tr.got
					}
				}
				if len(got) != 1 || len(want) != 1 || got[0] != want[0] {
					t.Fatalf("case %d %+v: request\n got %q\nwant %q", i, m, got, want)
				}
				if outs[0] != outs[1] {
					t.Fatalf("case %d: outcome\n got %s\nwant %s", i, outs[0], outs[1])
				}
			}
		})
	}
}

func TestBlocksJSONIsWhatEncodingJSONWrites(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range 2000 {
		m := randomMessage(rng)
		want, err := json.Marshal(Blocks(m))
		if err != nil {
			t.Fatal(err)
		}
		if got := blocksJSON(nil, m); !bytes.Equal(got, want) {
			t.Fatalf("case %d %+v:\n got %s\nwant %s", i, m, got, want)
		}
		md := metadataOf(notify.Message{DeliveryID: m.Title, IncidentID: m.Text, Event: m.State})
		want, _ = json.Marshal(md)
		if got, _ := metadataJSON(md); !bytes.Equal(got, want) {
			t.Fatalf("case %d metadata:\n got %s\nwant %s", i, got, want)
		}
	}
}

// oddStrings are texts that exercise JSON quoting: HTML characters,
// controls, quotes, non-ASCII, line separators, invalid UTF-8, Slack's
// link characters.
var oddStrings = []string{"", "plain", `a "quoted" \ back`, "<tag> & amp", "tab\tnew\nline\r\b\f\x00\x1f", "北京 · ¦ …",
	"line\u2028sep\u2029", "bad \xff\xfe utf8", "*<https://x/y|z>*", "é\u00a0x"}

func randomMessage(rng *rand.Rand) notify.Message {
	s := func() string { return oddStrings[rng.IntN(len(oddStrings))] + oddStrings[rng.IntN(len(oddStrings))] }
	m := notify.Message{Title: s(), Text: s(), Link: []string{"", "https://board.example/branches/b-1"}[rng.IntN(2)], Severity: s(), State: s()}
	for range rng.IntN(4) {
		m.Fields = append(m.Fields, notify.Field{Label: s(), Value: s()})
	}
	for i := range rng.IntN(3) {
		m.Button = append(m.Button, notify.Button{Action: []string{notify.Ack, notify.Snooze}[i%2], Label: s(), Value: s()})
	}
	switch rng.IntN(40) {
	case 0:
		m.Title = strings.Repeat("x<", 200)
	case 1:
		m.Fields = append(m.Fields, notify.Field{Label: "long", Value: strings.Repeat("é<", 1600)})
	case 2:
		m.Text, m.Fields = strings.Repeat("ab ", 1100), nil
	case 3:
		for range 60 {
			m.Fields = append(m.Fields, notify.Field{Label: s(), Value: s()})
		}
	case 5:
		// One rune over Slack's limit, once label and value are joined.
		m.Fields = append(m.Fields, notify.Field{Label: "x", Value: strings.Repeat("é", 2997)})
	case 4:
		m.Button = append(m.Button, notify.Button{Action: notify.Ack, Label: strings.Repeat("北", 80), Value: "v"})
	}
	return m
}

func TestQuotingMatchesEncodingJSON(t *testing.T) {
	var all []string
	for _, a := range oddStrings {
		for _, b := range oddStrings {
			all = append(all, a+b)
		}
	}
	for c := range 256 {
		all = append(all, string([]byte{byte(c)}))
	}
	for _, s := range all {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
}
