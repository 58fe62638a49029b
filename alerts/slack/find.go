package slack

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/branchready/branchready/alerts/notify"
)

// EventType is the metadata event type of every message the notifier
// posts. Its payload names the outbox row (delivery_id) and the incident,
// so that a message whose posting has no known outcome can be found again.
const EventType = "branchready_notification"

// findPages bounds a lookup: a channel with more messages than this since
// the message was decided is not searched to the end (the message is then
// posted, at least once).
const (
	findPages    = 10
	findPageSize = 200
)

func metadataOf(m notify.Message) slack.SlackMetadata {
	return slack.SlackMetadata{EventType: EventType, EventPayload: map[string]any{
		"delivery_id": m.DeliveryID, "incident_id": m.IncidentID, "event": m.Event}}
}

// sameDelivery says whether a message found in Slack carries m's metadata.
func sameDelivery(md slack.SlackMetadata, m notify.Message) bool {
	if md.EventType != EventType {
		return false
	}
	id, _ := md.EventPayload["delivery_id"].(string)
	inc, _ := md.EventPayload["incident_id"].(string)
	return id == m.DeliveryID && inc == m.IncidentID
}

// Find implements notify.Finder. A Post is looked for in the channel's
// history and a Reply in its thread, among messages since since, by the
// metadata Notify attached. An Update is never looked for: editing a
// message again to the same text is harmless. It needs the bot scopes
// channels:history (groups:history for private channels) and, for
// channels named rather than given by id, channels:read (groups:read).
func (n *Notifier) Find(ctx context.Context, thread notify.Receipt, m notify.Message, since time.Time) (notify.Receipt, bool, error) {
	if m.DeliveryID == "" {
		return notify.Receipt{}, false, nil
	}
	switch m.Op {
	case notify.Post:
		ch, err := n.channelID(ctx, m.Target)
		if err != nil || ch == "" {
			// No such channel: nothing was posted there.
			return notify.Receipt{}, false, err
		}
		return n.findIn(ctx, ch, "", since, m)
	case notify.Reply:
		if thread.Channel == "" || thread.TS == "" {
			return notify.Receipt{}, false, nil
		}
		return n.findIn(ctx, thread.Channel, thread.TS, since, m)
	default:
		return notify.Receipt{}, false, nil
	}
}

// findIn pages through a channel's history (or a thread's replies when
// threadTS is set) since since, looking for m.
func (n *Notifier) findIn(ctx context.Context, ch, threadTS string, since time.Time, m notify.Message) (notify.Receipt, bool, error) {
	oldest := fmt.Sprintf("%d.%06d", since.Unix(), since.Nanosecond()/1000)
	cursor := ""
	for range findPages {
		msgs, next, err := n.page(ctx, ch, threadTS, oldest, cursor)
		if err != nil {
			return notify.Receipt{}, false, err
		}
		for _, msg := range msgs {
			if sameDelivery(msg.Metadata, m) {
				return notify.Receipt{Channel: ch, TS: msg.Timestamp}, true, nil
			}
		}
		if next == "" {
			return notify.Receipt{}, false, nil
		}
		cursor = next
	}
	return notify.Receipt{}, false, &notify.Error{Reason: "history_too_long",
		Err: fmt.Errorf("more than %d messages in %s since %s", findPages*findPageSize, ch, since.Format(time.RFC3339))}
}

// page reads one page of history or replies; next is "" on the last.
func (n *Notifier) page(ctx context.Context, ch, threadTS, oldest, cursor string) (msgs []slack.Message, next string, err error) {
	if threadTS == "" {
		resp, err := n.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
			ChannelID: ch, Oldest: oldest, Cursor: cursor, Limit: findPageSize, Inclusive: true, IncludeAllMetadata: true})
		if err != nil {
			return nil, "", n.classify("conversations.history", err)
		}
		if resp.HasMore {
			next = resp.ResponseMetaData.NextCursor
		}
		return resp.Messages, next, nil
	}
	msgs, more, next, err := n.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
		ChannelID: ch, Timestamp: threadTS, Oldest: oldest, Cursor: cursor, Limit: findPageSize, Inclusive: true, IncludeAllMetadata: true})
	if err != nil {
		return nil, "", n.classify("conversations.replies", err)
	}
	if !more {
		next = ""
	}
	return msgs, next, nil
}

// channelID returns the id of a route's channel: the target itself when it
// is an id, else from the names learnt from earlier posts, else from
// conversations.list (once per process, for a name never posted to since
// it started). It returns "" for a channel that does not exist.
func (n *Notifier) channelID(ctx context.Context, target string) (string, error) {
	if isChannelID(target) {
		return target, nil
	}
	name := strings.TrimPrefix(target, "#")
	if id, ok := n.channels.get(name); ok {
		return id, nil
	}
	if err := n.listChannels(ctx); err != nil {
		return "", err
	}
	id, _ := n.channels.get(name)
	return id, nil
}

func (n *Notifier) listChannels(ctx context.Context) error {
	cursor := ""
	for {
		chs, next, err := n.api.GetConversationsContext(ctx, &slack.GetConversationsParameters{
			Cursor: cursor, ExcludeArchived: true, Limit: 1000, Types: []string{"public_channel", "private_channel"}})
		if err != nil {
			return n.classify("conversations.list", err)
		}
		for _, c := range chs {
			n.channels.learn(c.Name, c.ID)
		}
		if next == "" {
			return nil
		}
		if ctx.Err() != nil {
			return n.classify("conversations.list", ctx.Err())
		}
		cursor = next
	}
}

// isChannelID says whether a target is a Slack conversation id (C…, G…,
// D…, upper case) rather than a name: channel names are lower case.
func isChannelID(s string) bool {
	if len(s) < 9 || !strings.ContainsRune("CGD", rune(s[0])) {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// channelIDs caches channel name → id; the zero value is ready.
type channelIDs struct {
	mu  sync.Mutex
	ids map[string]string
}

func (c *channelIDs) learn(target, id string) {
	if id == "" || isChannelID(target) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ids == nil {
		c.ids = map[string]string{}
	}
	c.ids[strings.TrimPrefix(target, "#")] = id
}

func (c *channelIDs) get(name string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.ids[name]
	return id, ok
}
