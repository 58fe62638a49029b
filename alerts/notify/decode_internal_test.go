package notify

import (
	"testing"
	"time"
)

func TestDecodeJSONReadsTheMessagesAppendJSONWritesItself(t *testing.T) {
	at := time.Date(2026, 11, 27, 7, 30, 1, 120000000, time.FixedZone("", -7200))
	for _, tc := range []struct {
		name string
		m    Message
	}{
		{"a post with fields, buttons and labels", Message{IncidentID: "inc-1", Notifier: "slack", Target: "#b1", Op: Post, Event: "opened",
			Severity: "critical", State: "firing", Title: "B (b1): d c failing", Text: "B (b1): d c failing\n<reason> & \"more\"\u2028分行",
			Fields: []Field{{Label: "Status", Value: "Firing"}}, Link: "https://x.example/branches/b1",
			Button: []Button{{Action: Ack, Label: "Acknowledge", Value: "ack/inc-1"}}, Labels: map[string]string{"branch": "b1", "kind": "check"}, DecidedAt: at}},
		{"a reply without lists", Message{IncidentID: "inc-1", Notifier: "slack", Target: "#b1", Op: Reply, Text: "Resolved after 3 min.", DecidedAt: at.UTC()}},
	} {
		t.Run(tc.name+" is read without encoding/json", func(t *testing.T) {
			b, err := tc.m.AppendJSON(nil)
			if err != nil {
				t.Fatal(err)
			}
			var m Message
			if !plainMessage(b, &m) {
				t.Fatalf("%s was left to encoding/json", b)
			}
		})
	}
}
