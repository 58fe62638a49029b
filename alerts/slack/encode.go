package slack

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// blocksJSON writes the JSON array of the blocks Blocks makes, byte for
// byte what encoding/json writes for them (a test holds it to that).
// slack-go marshals blocks by reflection and, through the blocks' own
// MarshalJSON methods, marshals and compacts every nested level again: a
// fifth of a message's delivery work on the collector. A block with a
// field Blocks never sets is left to encoding/json.
func blocksJSON(bs []slack.Block) ([]byte, error) {
	dst := make([]byte, 0, 1024)
	dst = append(dst, '[')
	for i, b := range bs {
		if i > 0 {
			dst = append(dst, ',')
		}
		var ok bool
		if dst, ok = appendBlock(dst, b); !ok {
			return json.Marshal(bs)
		}
	}
	return append(dst, ']'), nil
}

// appendBlock appends b's JSON, false when b has a field this encoder does
// not write.
func appendBlock(dst []byte, b slack.Block) ([]byte, bool) {
	switch b := b.(type) {
	case *slack.SectionBlock:
		if b.BlockID != "" || b.Fields != nil || b.Accessory != nil || b.Expand || b.Text == nil {
			return dst, false
		}
		return appendTextBlock(dst, string(b.Type), b.Text)
	case *slack.HeaderBlock:
		if b.BlockID != "" || b.Level != 0 || b.Text == nil {
			return dst, false
		}
		return appendTextBlock(dst, string(b.Type), b.Text)
	case *slack.ContextBlock:
		if b.BlockID != "" || len(b.ContextElements.Elements) == 0 {
			return dst, false
		}
		dst = appendKey(dst, '{', "type")
		dst = appendString(dst, string(b.Type))
		dst = append(dst, `,"elements":[`...)
		for i, e := range b.ContextElements.Elements {
			t, ok := e.(*slack.TextBlockObject)
			if !ok {
				return dst, false
			}
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, ok = appendText(dst, t); !ok {
				return dst, false
			}
		}
		return append(dst, "]}"...), true
	case *slack.ActionBlock:
		if b.BlockID == "" || b.Elements == nil || len(b.Elements.ElementSet) == 0 {
			return dst, false
		}
		dst = appendKey(dst, '{', "type")
		dst = appendString(dst, string(b.Type))
		dst = appendKey(dst, ',', "block_id")
		dst = appendString(dst, b.BlockID)
		dst = append(dst, `,"elements":[`...)
		for i, e := range b.Elements.ElementSet {
			if i > 0 {
				dst = append(dst, ',')
			}
			var ok bool
			if dst, ok = appendButton(dst, e); !ok {
				return dst, false
			}
		}
		return append(dst, "]}"...), true
	}
	return dst, false
}

// appendTextBlock appends a block of a type and a text object.
func appendTextBlock(dst []byte, typ string, t *slack.TextBlockObject) ([]byte, bool) {
	dst = appendKey(dst, '{', "type")
	dst = appendString(dst, typ)
	dst = appendKey(dst, ',', "text")
	dst, ok := appendText(dst, t)
	return append(dst, '}'), ok
}

// appendButton appends a button's JSON, false for any other element or a
// button with a field Blocks never sets.
func appendButton(dst []byte, e slack.BlockElement) ([]byte, bool) {
	b, ok := e.(*slack.ButtonBlockElement)
	if !ok || b.Type == "" || b.Text == nil || b.ActionID == "" || b.URL != "" || b.Confirm != nil || b.AccessibilityLabel != "" ||
		b.AgentPrompt != "" || b.AgentPromptDisplay != "" || b.VisibleToUserIDs != nil {
		return dst, false
	}
	dst = appendKey(dst, '{', "type")
	dst = appendString(dst, string(b.Type))
	dst = appendKey(dst, ',', "text")
	if dst, ok = appendText(dst, b.Text); !ok {
		return dst, false
	}
	dst = appendKey(dst, ',', "action_id")
	dst = appendString(dst, b.ActionID)
	if b.Value != "" {
		dst = appendKey(dst, ',', "value")
		dst = appendString(dst, b.Value)
	}
	if b.Style != "" {
		dst = appendKey(dst, ',', "style")
		dst = appendString(dst, string(b.Style))
	}
	return append(dst, '}'), true
}

// appendText appends a text object's JSON.
func appendText(dst []byte, t *slack.TextBlockObject) ([]byte, bool) {
	if t.Verbatim {
		return dst, false
	}
	dst = appendKey(dst, '{', "type")
	dst = appendString(dst, t.Type)
	dst = appendKey(dst, ',', "text")
	dst = appendString(dst, t.Text)
	switch {
	case t.Emoji == nil:
	case *t.Emoji:
		dst = append(dst, `,"emoji":true`...)
	default:
		dst = append(dst, `,"emoji":false`...)
	}
	return append(dst, '}'), true
}

// metadataJSON writes the JSON of metadataOf(m)'s value, as encoding/json
// writes it (the payload's keys sorted).
func metadataJSON(md slack.SlackMetadata) ([]byte, error) {
	if len(md.EventPayload) != 3 {
		return json.Marshal(md)
	}
	dst := make([]byte, 0, 256)
	dst = appendKey(dst, '{', "event_type")
	dst = appendString(dst, md.EventType)
	dst = append(dst, `,"event_payload":`...)
	for i, k := range []string{"delivery_id", "event", "incident_id"} {
		v, ok := md.EventPayload[k].(string)
		if !ok {
			return json.Marshal(md)
		}
		dst = appendKey(dst, "{,,"[i], k)
		dst = appendString(dst, v)
	}
	return append(dst, "}}"...), nil
}

// appendKey appends sep and a quoted key (plain ASCII) with its colon.
func appendKey(dst []byte, sep byte, key string) []byte {
	dst = append(dst, sep, '"')
	dst = append(dst, key...)
	return append(dst, '"', ':')
}

// appendString appends s quoted as encoding/json quotes it, HTML escaping
// included.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
