package slack

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/config"
)

// slackAnswer is what Slack answers a post: the whole message, blocks too.
const slackAnswer = `{"ok":true,"channel":"C0123456","ts":"1764140000.000100","message":{"type":"message","subtype":"bot_message","text":"London Bridge (lon-01): atm-02 reachable failing","ts":"1764140000.000100","username":"branchready","bot_id":"B1","blocks":[{"type":"section","block_id":"x1","text":{"type":"mrkdwn","text":"*<https://board.example/branches/lon-01|London Bridge (lon-01): atm-02 reachable failing>*","verbatim":false}},{"type":"section","block_id":"x2","text":{"type":"mrkdwn","text":"*Status*\nFiring","verbatim":false}},{"type":"section","block_id":"x3","text":{"type":"mrkdwn","text":"*Since*\n08:12 (18 min ago)","verbatim":false}},{"type":"section","block_id":"x4","text":{"type":"mrkdwn","text":"*Deadline*\n15 min left until the readiness deadline at 08:45 (doors open 09:00)","verbatim":false}},{"type":"section","block_id":"x5","text":{"type":"mrkdwn","text":"*Impact*\nabout 38 customers an hour go to the counter while atm-02 is down","verbatim":false}},{"type":"section","block_id":"x6","text":{"type":"mrkdwn","text":"*What to do*\nPower-cycle the ATM from the rear switch; if it stays down call NCR on 0800 000 000.","verbatim":false}},{"type":"context","block_id":"x7","elements":[{"type":"mrkdwn","text":"critical · firing","verbatim":false}]},{"type":"actions","block_id":"branchready_actions","elements":[{"type":"button","action_id":"branchready_ack_0","text":{"type":"plain_text","text":"Acknowledge","emoji":false},"style":"primary","value":"ack/inc-1"},{"type":"button","action_id":"branchready_snooze_1","text":{"type":"plain_text","text":"Snooze 30 min","emoji":false},"value":"snooze/inc-1/30m0s"}]}]}}`

// A post of a typical message, the collector's side only (the answer is
// canned): through send, and through slack-go as Notify was written
// before, in turn.
func BenchmarkPostClientSide(b *testing.B) {
	m := benchMessage()
	for _, legacy := range []bool{false, true} {
		name := "send"
		if legacy {
			name = "slack-go"
		}
		b.Run(name, func(b *testing.B) {
			tr := &canned{status: 200, body: slackAnswer}
			n := New(Options{Token: config.Secret("xoxb-1-2-SECRET"), APIURL: "https://slack.test/api/", HTTPClient: &http.Client{Transport: tr}})
			b.ReportAllocs()
			for b.Loop() {
				tr.got = tr.got[:0]
				var err error
				if legacy {
					_, err = n.viaSlackGo(b.Context(), notify.Receipt{}, m)
				} else {
					_, err = n.Notify(b.Context(), notify.Receipt{}, m)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A post of a typical message through the HTTP client to a server on
// loopback that answers as Slack does, as the collector posts to a fake
// Slack in a wave: send, net/http's client and the server's work.
//
//	go test -run '^$' -bench PostLoopback -benchtime 20000x ./alerts/slack/
func BenchmarkPostLoopback(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			b.Error(err)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		io.WriteString(w, slackAnswer)
	}))
	defer srv.Close()
	n := New(Options{Token: config.Secret("xoxb-1-2-SECRET"), APIURL: srv.URL + "/api/"})
	m := benchMessage()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := n.Notify(b.Context(), notify.Receipt{}, m); err != nil {
			b.Fatal(err)
		}
	}
}

// benchMessage is a typical message: a post with fields and buttons.
func benchMessage() notify.Message {
	return notify.Message{
		IncidentID: "inc-1", DeliveryID: "d-1", Notifier: Name, Target: "#branch-lon-01", Op: notify.Post, Event: "opened",
		Severity: "critical", State: "firing", Link: "https://board.example/branches/lon-01",
		Title: "London Bridge (lon-01): atm-02 reachable failing",
		Text:  "London Bridge (lon-01): atm-02 reachable failing\ncannot connect to 10.20.1.12:443: connection refused\nStatus: Firing\nhttps://board.example/branches/lon-01",
		Fields: []notify.Field{{Label: "Status", Value: "Firing"}, {Label: "Since", Value: "08:12 (18 min ago)"},
			{Label: "Deadline", Value: "15 min left until the readiness deadline at 08:45 (doors open 09:00)"},
			{Label: "Impact", Value: "about 38 customers an hour go to the counter while atm-02 is down"},
			{Label: "What to do", Value: "Power-cycle the ATM from the rear switch; if it stays down call NCR on 0800 000 000."}},
		Button: []notify.Button{{Action: notify.Ack, Label: "Acknowledge", Value: notify.ButtonValue(notify.Ack, "inc-1", 0)},
			{Action: notify.Snooze, Label: "Snooze 30 min", Value: notify.ButtonValue(notify.Snooze, "inc-1", 30*time.Minute)}},
	}
}

// Reading the answer to a chat.update as the fake Slack of a wave gives it.
func BenchmarkReadUpdateAnswer(b *testing.B) {
	const body = `{"channel":"C0123456","ok":true,"text":"London Bridge (lon-01): atm-02 reachable recovered after 18 min\nStatus: Resolved\nhttps://board.example/branches/lon-01","ts":"1764140000.000100"}` + "\n"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := readAnswer(strings.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
}
