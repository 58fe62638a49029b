package slack

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

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
	dst = append(dst, '"')
	return append(appendStringBody(dst, s), '"')
}

// appendStringBody appends s as encoding/json writes it between quotes.
// The quoting of a string is the quoting of its parts one after the other
// when they are cut between runes (or next to ASCII).
func appendStringBody(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
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
	return append(dst, s[start:]...)
}
