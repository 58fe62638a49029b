package slack

import (
	"bytes"
	"encoding/json"
	"io"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// answer is what send reads of Slack's answer to a post or an update.
type answer struct {
	Channel   string `json:"channel"`
	TS        string `json:"ts"`
	MessageTS string `json:"message_ts"`
	slack.SlackResponse
}

// readAnswer decodes Slack's answer as json.Decoder.Decode decodes its
// first value. Slack answers a post with the whole message it stored,
// blocks and all, which no field of answer holds: decoding scanned all of
// it, most of the answer's cost. So the top-level "message" member is cut
// out first and the rest decoded; an answer this cutting does not read
// (not one well-formed object, anything after it, an error reading it) is
// decoded whole, as before, so that every failure is the decoder's own.
// The one difference: a "message" that is malformed inside, which the
// decoder would refuse, is not looked into.
func readAnswer(r io.Reader) (answer, error) {
	var a answer
	bp := buffers.Get().(*[]byte)
	defer putBuffer(bp)
	body, err := readAll((*bp)[:0], r)
	*bp = body
	if err == nil {
		if a, ok := plainAnswer(body); ok {
			return a, nil
		}
		if rest, ok := withoutMember(body, "message"); ok && json.Unmarshal(rest, &a) == nil {
			return a, nil
		}
		a = answer{}
	}
	src := io.Reader(bytes.NewReader(body))
	if err != nil {
		src = io.MultiReader(src, errReader{err})
	}
	err = json.NewDecoder(src).Decode(&a)
	return a, err
}

// plainAnswer reads the answer Slack gives a message that went through:
// one object of ok, channel, ts, message_ts, warning and error, each a
// boolean or a plain string (no escapes, valid UTF-8), the message, and
// the text (a string) chat.update answers with.
// Anything else (response metadata, an escape, another key, a key in
// other letter case, which encoding/json would match too) is ok false,
// and left to encoding/json.
func plainAnswer(b []byte) (a answer, ok bool) {
	i := skipSpace(b, 0)
	if i == len(b) || b[i] != '{' {
		return a, false
	}
	i = skipSpace(b, i+1)
	for i < len(b) && b[i] == '"' {
		k, next, ok := scanString(b, i)
		if !ok {
			return a, false
		}
		i = skipSpace(b, next)
		if i == len(b) || b[i] != ':' {
			return a, false
		}
		start := skipSpace(b, i+1)
		if i, ok = skipValue(b, start); !ok {
			return a, false
		}
		v := b[start:i]
		switch string(k) {
		case "message":
		case "text":
			// chat.update's answer repeats the text; no field holds it, and
			// the decoder only checks that it is a string it can read.
			if len(v) < 2 || v[0] != '"' || !json.Valid(v) {
				return a, false
			}
		case "ok":
			switch string(v) {
			case "true":
				a.Ok = true
			case "false":
				a.Ok = false
			default:
				return a, false
			}
		case "channel", "ts", "message_ts", "warning", "error":
			if len(v) < 2 || v[0] != '"' || bytes.IndexByte(v, '\\') >= 0 || !utf8.Valid(v) {
				return a, false
			}
			str := string(v[1 : len(v)-1])
			switch string(k) {
			case "channel":
				a.Channel = str
			case "ts":
				a.TS = str
			case "message_ts":
				a.MessageTS = str
			case "warning":
				a.Warning = str
			default:
				a.Error = str
			}
		default:
			return a, false
		}
		i = skipSpace(b, i)
		if i == len(b) || b[i] != ',' {
			break
		}
		if i = skipSpace(b, i+1); i == len(b) || b[i] != '"' {
			return a, false
		}
	}
	if i == len(b) || b[i] != '}' || skipSpace(b, i+1) != len(b) {
		return a, false
	}
	return a, true
}

// readAll is io.ReadAll into b: the answer is read into a buffer used
// again, as nothing read from it keeps its bytes (strings are copies).
func readAll(b []byte, r io.Reader) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
	}
}

// errReader fails every read with the error the answer's body failed with.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// withoutMember returns the JSON object b without its top-level member
// named key (a copy, when there is one), ok false when b is not exactly
// one object, with space around it, that this scanner reads.
func withoutMember(b []byte, key string) (rest []byte, ok bool) {
	i := skipSpace(b, 0)
	if i == len(b) || b[i] != '{' {
		return nil, false
	}
	cut, cutEnd := -1, -1
	prevEnd := -1 // end of the previous member's value, -1 before the first
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return b, skipSpace(b, i+1) == len(b)
	}
	for {
		if i == len(b) || b[i] != '"' {
			return nil, false
		}
		start := i
		k, next, ok := scanString(b, i)
		if !ok {
			return nil, false
		}
		i = skipSpace(b, next)
		if i == len(b) || b[i] != ':' {
			return nil, false
		}
		if i, ok = skipValue(b, skipSpace(b, i+1)); !ok {
			return nil, false
		}
		if string(k) == key && cut < 0 {
			// With the comma before it, or the one after it when it
			// comes first: {"message":{},"ok":true} -> {"ok":true}.
			cut, cutEnd = prevEnd, i
			if prevEnd < 0 {
				cut = start
				if j := skipSpace(b, i); j < len(b) && b[j] == ',' {
					cutEnd = j + 1
				}
			}
		}
		prevEnd = i
		i = skipSpace(b, i)
		if i == len(b) {
			return nil, false
		}
		if b[i] == '}' {
			break
		}
		if b[i] != ',' {
			return nil, false
		}
		i = skipSpace(b, i+1)
	}
	if skipSpace(b, i+1) != len(b) {
		return nil, false
	}
	if cut < 0 {
		return b, true
	}
	out := make([]byte, 0, len(b)-(cutEnd-cut))
	return append(append(out, b[:cut]...), b[cutEnd:]...), true
}

// skipValue returns the end of the JSON value starting at b[i]: strings,
// objects and arrays are read for their quotes and brackets, other values
// (numbers, true, false, null) up to the next delimiter.
func skipValue(b []byte, i int) (int, bool) {
	var stack [64]byte
	depth := 0
	for i < len(b) {
		switch c := b[i]; c {
		case '"':
			_, next, ok := scanString(b, i)
			if !ok {
				return 0, false
			}
			i = next
			if depth == 0 {
				return i, true
			}
			continue
		case '{', '[':
			if depth == len(stack) {
				return 0, false
			}
			stack[depth] = c + 2 // '{'+2 is '}', '['+2 is ']'
			depth++
		case '}', ']':
			if depth == 0 || stack[depth-1] != c {
				return 0, false
			}
			depth--
			if depth == 0 {
				return i + 1, true
			}
		case ' ', '\t', '\r', '\n', ',', ':':
			if depth == 0 {
				return 0, false
			}
		default:
			if depth == 0 {
				j := i
				for j < len(b) && !bytes.ContainsRune([]byte(",}] \t\r\n"), rune(b[j])) {
					j++
				}
				return j, true
			}
		}
		i++
	}
	return 0, false
}

// scanString reads the string starting at the quote b[i], returning its
// raw contents (escapes left as they are) and the index after its closing
// quote.
func scanString(b []byte, i int) (raw []byte, next int, ok bool) {
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '\\':
			j++
		case c == '"':
			return b[i+1 : j], j + 1, true
		case c < 0x20:
			return nil, 0, false
		}
	}
	return nil, 0, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}
