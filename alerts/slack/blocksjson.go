package slack

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/branchready/branchready/alerts/notify"
)

// blocksJSON writes the JSON array of Blocks(m) straight from m, byte for
// byte what encoding/json writes for Blocks(m) (a test holds it to that).
// slack-go's blocks are marshalled by reflection, each nested level
// marshalled and compacted again by the blocks' own MarshalJSON, and
// Blocks joins each field's label and value into a new string first: this
// writes the rendered strings as they are.
func blocksJSON(dst []byte, m notify.Message) []byte {
	dst = append(dst, '[')
	n := 0
	next := func() {
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
	}
	if m.Link != "" {
		next()
		dst = appendSection(dst, "*<", m.Link, "|", strings.ReplaceAll(escape(m.Title), "|", "¦"), ">*")
	} else if m.Title != "" {
		next()
		dst = append(dst, `{"type":"header","text":{"type":"plain_text","text":`...)
		dst = append(appendString(dst, truncate(m.Title, maxHeader)), `,"emoji":false}}`...)
	}
	if len(m.Fields) == 0 && m.Text != "" {
		next()
		dst = appendSection(dst, escape(m.Text))
	}
	for _, f := range m.Fields {
		if n >= maxBlocks-2 {
			break
		}
		next()
		dst = appendSection(dst, "*", escape(f.Label), "*\n", escape(f.Value))
	}
	if ctx := contextLine(m); ctx != "" {
		next()
		dst = append(dst, `{"type":"context","elements":[{"type":"mrkdwn","text":`...)
		dst = append(appendString(dst, ctx), "}]}"...)
	}
	if len(m.Button) > 0 {
		next()
		dst = append(dst, `{"type":"actions","block_id":"branchready_actions","elements":[`...)
		for i, b := range m.Button {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendButton(dst, b, i)
		}
		dst = append(dst, "]}"...)
	}
	return append(dst, ']')
}

// appendSection appends a section of the mrkdwn text made of parts, cut
// to Slack's limit as section cuts it.
func appendSection(dst []byte, parts ...string) []byte {
	dst = append(dst, `{"type":"section","text":{"type":"mrkdwn","text":"`...)
	runes := 0
	for _, p := range parts {
		runes += utf8.RuneCountInString(p)
	}
	if runes <= maxSection {
		for _, p := range parts {
			dst = appendStringBody(dst, p)
		}
	} else {
		dst = appendStringBody(dst, truncate(strings.Join(parts, ""), maxSection))
	}
	return append(dst, `"}}`...)
}

// appendButton appends the i-th button as Blocks makes it.
func appendButton(dst []byte, b notify.Button, i int) []byte {
	dst = append(dst, `{"type":"button","text":{"type":"plain_text","text":`...)
	dst = appendString(dst, truncate(b.Label, 75))
	dst = append(dst, `,"emoji":false},"action_id":"`...)
	dst = appendStringBody(dst, actionPrefix+b.Action+"_")
	dst = append(strconv.AppendInt(dst, int64(i), 10), '"')
	if b.Value != "" {
		dst = append(dst, `,"value":`...)
		dst = appendString(dst, b.Value)
	}
	if b.Action == notify.Ack {
		dst = append(dst, `,"style":"primary"`...)
	}
	return append(dst, '}')
}
