package slack

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/branchready/branchready/alerts/notify"
)

// actionPrefix marks the buttons this package makes, so that the
// interaction handlers ignore any other app's actions.
const actionPrefix = "branchready_"

// Slack's limits on Block Kit text.
const (
	maxHeader  = 150
	maxSection = 3000
	maxBlocks  = 50
)

// Blocks renders a message as Block Kit: the title (a link to the board
// when there is one), the text or the labelled fields, severity and state,
// and the buttons. Text is also sent as the plain-text fallback that
// notifications and screen readers use.
func Blocks(m notify.Message) []slack.Block {
	var blocks []slack.Block
	if m.Link != "" {
		title := fmt.Sprintf("*<%s|%s>*", m.Link, strings.ReplaceAll(escape(m.Title), "|", "¦"))
		blocks = append(blocks, section(title))
	} else if m.Title != "" {
		blocks = append(blocks, slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, truncate(m.Title, maxHeader), false, false)))
	}
	if len(m.Fields) == 0 && m.Text != "" {
		blocks = append(blocks, section(escape(m.Text)))
	}
	for _, f := range m.Fields {
		if len(blocks) >= maxBlocks-2 {
			break
		}
		blocks = append(blocks, section("*"+escape(f.Label)+"*\n"+escape(f.Value)))
	}
	if ctx := contextLine(m); ctx != "" {
		blocks = append(blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, ctx, false, false)))
	}
	if len(m.Button) > 0 {
		var els []slack.BlockElement
		for i, b := range m.Button {
			btn := slack.NewButtonBlockElement(ActionID(b.Action, i), b.Value, slack.NewTextBlockObject(slack.PlainTextType, truncate(b.Label, 75), false, false))
			if b.Action == notify.Ack {
				btn = btn.WithStyle(slack.StylePrimary)
			}
			els = append(els, btn)
		}
		blocks = append(blocks, slack.NewActionBlock("branchready_actions", els...))
	}
	return blocks
}

// ActionID is the action_id of the i-th button, which must be unique in
// its block (a message may offer two snoozes).
func ActionID(action string, i int) string { return fmt.Sprintf("%s%s_%d", actionPrefix, action, i) }

// actionKind reads the action back from an action_id, "" when the button
// is not ours.
func actionKind(actionID string) string {
	rest, ok := strings.CutPrefix(actionID, actionPrefix)
	if !ok {
		return ""
	}
	kind, _, _ := strings.Cut(rest, "_")
	return kind
}

func contextLine(m notify.Message) string {
	var parts []string
	for _, p := range []string{m.Severity, m.State} {
		if p != "" {
			parts = append(parts, escape(p))
		}
	}
	return strings.Join(parts, " · ")
}

func section(mrkdwn string) *slack.SectionBlock {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, truncate(mrkdwn, maxSection), false, false), nil, nil)
}

// mrkdwnEscaper quotes the three characters Slack's mrkdwn treats as
// control. It is built once: building a Replacer costs kilobytes, and
// escape runs several times per message.
var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escape quotes the three characters Slack's mrkdwn treats as control.
func escape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return mrkdwnEscaper.Replace(s)
}

// truncate cuts s to at most n characters, ending with an ellipsis when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
