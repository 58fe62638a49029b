package slack_test

import (
	"testing"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/slack"
	"github.com/branchready/branchready/alerts/slack/slacktest"
)

// Posting a message to a fake Slack held in memory: the notifier's own
// work per message (blocks, their JSON, the form) with the fake's.
func BenchmarkNotify(b *testing.B) {
	fake := slacktest.New(slacktest.Options{Token: token})
	n := notifier(fake, token)
	m := opened("inc-1")
	m.DeliveryID = "d-1"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := n.Notify(b.Context(), notify.Receipt{}, m); err != nil {
			b.Fatal(err)
		}
	}
}

// The Block Kit blocks of one message.
func BenchmarkBlocks(b *testing.B) {
	m := opened("inc-1")
	b.ReportAllocs()
	for b.Loop() {
		slack.Blocks(m)
	}
}
