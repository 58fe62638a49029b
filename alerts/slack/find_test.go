package slack_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/slack"
	"github.com/branchready/branchready/alerts/slack/slacktest"
)

func TestFindRecognisesOnlyTheSameDelivery(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	now := t0
	fake := slacktest.New(slacktest.Options{Token: token, Now: func() time.Time { return now }})
	sent := notifier(fake, token)
	post := opened("inc-1")
	post.DeliveryID, post.DecidedAt = "41", t0
	parent, err := sent.Notify(ctx, notify.Receipt{}, post)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	reply := post
	reply.Op, reply.Event, reply.DeliveryID = notify.Reply, "reminder", "42"
	child, err := sent.Notify(ctx, parent, reply)
	if err != nil {
		t.Fatalf("reply: %v", err)
	}
	var md struct {
		EventType    string            `json:"event_type"`
		EventPayload map[string]string `json:"event_payload"`
	}
	if err := json.Unmarshal(fake.Messages("#branch-paris")[0].Metadata, &md); err != nil ||
		md.EventType != slack.EventType || md.EventPayload["delivery_id"] != "41" || md.EventPayload["incident_id"] != "inc-1" {
		t.Fatalf("posted metadata = %+v (%v), want %s naming delivery 41 of inc-1", md, err, slack.EventType)
	}
	now = t0.Add(time.Minute)

	for _, c := range []struct {
		name   string
		thread notify.Receipt
		m      func() notify.Message
		since  time.Time
		want   notify.Receipt
	}{
		{"a post is found in its channel by its delivery id, by a process that never posted there",
			notify.Receipt{}, func() notify.Message { return post }, t0.Add(-time.Minute), parent},
		{"a reply is found in its thread", parent, func() notify.Message { return reply }, t0.Add(-time.Minute), child},
		{"another delivery of the same incident is not the message",
			notify.Receipt{}, func() notify.Message { m := post; m.DeliveryID = "43"; return m }, t0.Add(-time.Minute), notify.Receipt{}},
		{"a message posted before since is not looked at",
			notify.Receipt{}, func() notify.Message { return post }, t0.Add(time.Second), notify.Receipt{}},
		{"a channel that does not exist holds nothing",
			notify.Receipt{}, func() notify.Message { m := post; m.Target = "#nowhere"; return m }, t0.Add(-time.Minute), notify.Receipt{}},
		{"an update is never looked for (editing again is harmless)",
			parent, func() notify.Message { m := post; m.Op = notify.Update; return m }, t0.Add(-time.Minute), notify.Receipt{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rc, found, err := notifier(fake, token).Find(ctx, c.thread, c.m(), c.since)
			if err != nil {
				t.Fatalf("Find: %v", err)
			}
			if found != (c.want != notify.Receipt{}) || rc != c.want {
				t.Errorf("Find = %+v, %v; want %+v", rc, found, c.want)
			}
		})
	}
}
