package slack

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// decoded is what json.Decoder makes of an answer, the reference
// readAnswer must match.
func decoded(r io.Reader) string {
	var a answer
	err := json.NewDecoder(r).Decode(&a)
	return fmt.Sprintf("%+v %v", a, err)
}

func read(r io.Reader) string {
	a, err := readAnswer(r)
	return fmt.Sprintf("%+v %v", a, err)
}

func TestReadAnswerIsWhatTheDecoderReads(t *testing.T) {
	bodies := []string{
		slackAnswer,
		`{"ok":true,"channel":"C1","message_ts":"2.000002"}`,
		`{"message":{"text":"x"},"ok":true,"channel":"C1","ts":"1.1"}`,
		`{"ok":true,"channel":"C1","ts":"1.1","message":{"text":"x"}}`,
		`{"message":{"text":"x"}}`,
		` { "ok" : true , "message" : { "text" : "a\"b}]" , "n" : [1, 2.5e3, null, false, {"k":"v"}] } , "ts" : "1.1" } `,
		`{"ok":true,"message":"just a string","ts":"1.1"}`,
		`{"ok":true,"message":[1,{"a":[]}],"ts":"1.1","message":{"again":true}}`,
		`{"ok":false,"error":"channel_not_found","response_metadata":{"messages":["[ERROR] no"]}}`,
		`{"ok":true,"ts":"1.1"} trailing`,
		`{"ok":true,"ts":"1.1"}{"ok":false}`,
		`{"ok":true,"message":{"text":"x"]}`,
		`{"ok":true,"message":{"text":"x"}`,
		`{"ok":true,"message":{"text":"unterminated}`,
		`{"OK":true,"TS":"1.1","Message":{}}`,
		`{"ok":tru,"ts":"1.1"}`,
		`{"ok":true,"ts":1.1}`,
		`{}`, ` `, ``, `null`, `[]`, `"ok"`, `<html>login</html>`,
		`{"ok":true "ts":"1.1"}`, `{"ok":true,"ts":"1.1",}`, `{"ok":true,,"ts":"1.1"}`, `{"ok":true,"ts":"1\u002e1"}`,
		"{\"ok\":true,\"ts\":\"1.\xff\"}", `{"ok":false,"error":"invalid_auth","warning":"w"}`, `{"ok":null,"ts":"1"}`,
		`{"ok":true,"ts":"1","ts":"2","channel":"C1","channel":"C2"}`, `{"ok":"true"}`, `{"ok":true,"ts":7}`, `{"Ts":"1","ok":true}`,
		`{"ok":true,"message":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `,"ts":"1"}`,
		`{"ok":true,"channel":"C1","ts":"1.1","text":"London Bridge: atm-02 \u003cok\u003e \"again\"\n"}`,
		`{"ok":true,"channel":"C1","ts":"1.1","text":"bad \x escape"}`, `{"ok":true,"ts":"1.1","text":5}`, `{"ok":true,"ts":"1.1","text":{"a":1}}`,
		"{\"ok\":true,\"ts\":\"1.1\",\"text\":\"\xff\xfe\"}", `{"ok":true,"ts":"1.1","text":"x","Text":"y"}`,
	}
	for _, b := range bodies {
		t.Run(fmt.Sprintf("%.60q is decoded as the decoder decodes it", b), func(t *testing.T) {
			if got, want := read(strings.NewReader(b)), decoded(strings.NewReader(b)); got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
	t.Run("every cut-short answer fails or reads as the decoder's", func(t *testing.T) {
		for _, b := range bodies[:8] {
			step := 1 + len(b)/300 // every byte of short answers, every few of a post's
			for n := 0; n < len(b); n += step {
				if got, want := read(strings.NewReader(b[:n])), decoded(strings.NewReader(b[:n])); got != want {
					t.Fatalf("%q: got  %s\nwant %s", b[:n], got, want)
				}
			}
		}
	})
	t.Run("an answer whose reading fails midway fails as the decoder does", func(t *testing.T) {
		broken := errors.New("connection reset")
		for _, n := range []int{0, 10, len(slackAnswer) / 2, len(slackAnswer)} {
			mk := func() io.Reader { return io.MultiReader(strings.NewReader(slackAnswer[:n]), errReader{broken}) }
			if got, want := read(mk()), decoded(mk()); got != want {
				t.Errorf("after %d bytes: got  %s\nwant %s", n, got, want)
			}
		}
	})
	t.Run("a message's answer is read without encoding/json", func(t *testing.T) {
		for _, b := range []string{slackAnswer, bodies[1], bodies[2], `{"ok":false,"error":"channel_not_found"}`} {
			if _, ok := plainAnswer([]byte(b)); !ok {
				t.Errorf("%.60s: left to encoding/json", b)
			}
		}
	})
	t.Run("the message a post's answer repeats is cut before decoding", func(t *testing.T) {
		rest, ok := withoutMember([]byte(slackAnswer), "message")
		if !ok || strings.Contains(string(rest), "blocks") || !json.Valid(rest) {
			t.Errorf("ok %v, rest %s", ok, rest)
		}
	})
}

// FuzzReadAnswer holds the hand-written reading of Slack's answer to the
// decoder's: it never panics, and an answer the decoder reads without
// error is read the same. (The one difference readAnswer allows is the
// other way round: a "message" malformed inside is not looked into.)
func FuzzReadAnswer(f *testing.F) {
	for _, b := range []string{
		slackAnswer,
		`{"ok":true,"channel":"C1","message_ts":"2.000002"}`,
		`{"ok":true,"channel":"C1","ts":"1.1","message":{"text":"x"}}`,
		`{"ok":false,"error":"channel_not_found","response_metadata":{"messages":["[ERROR] no"]}}`,
		`{"ok":true,"ts":"1","ts":"2","channel":"C1","channel":"C2"}`,
		` { "ok" : true , "message" : { "text" : "a\"b}]" , "n" : [1, 2.5e3, null, false, {"k":"v"}] } , "ts" : "1.1" } `,
		`{"ok":true,"ts":"1\u002e1"}`, `{"ok":true,"ts":"1.1"} trailing`, ``, `null`,
		// chat.update's answer repeats the text at the top level.
		`{"ok":true,"channel":"C1","ts":"1.1","text":"ATM \u2013 down \"now\""}`,
		`{"ok":true,"channel":"C1","ts":"1.1","text":7}`,
	} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var ref answer
		refErr := json.NewDecoder(strings.NewReader(string(b))).Decode(&ref)
		got := read(strings.NewReader(string(b)))
		if refErr == nil {
			if want := decoded(strings.NewReader(string(b))); got != want {
				t.Fatalf("%q: got  %s\nwant %s", b, got, want)
			}
		}
	})
}

// TestTheAnswersOfAPostAndAnUpdateAreReadWithoutTheDecoder: the answers
// Slack gives a message that went through take plainAnswer's way, a
// quarter of a wave's messages being updates.
func TestTheAnswersOfAPostAndAnUpdateAreReadWithoutTheDecoder(t *testing.T) {
	for name, b := range map[string]string{
		"a post":    slackAnswer,
		"an update": `{"ok":true,"channel":"C0123456","ts":"1764140000.000100","text":"London Bridge (lon-01): atm-02 reachable \u003cok\u003e","message":{"text":"x","ts":"1764140000.000100"}}` + "\n",
	} {
		t.Run("the answer to "+name, func(t *testing.T) {
			if a, ok := plainAnswer([]byte(b)); !ok || !a.Ok || a.TS != "1764140000.000100" {
				t.Errorf("plainAnswer = %+v, %v; want it read", a, ok)
			}
		})
	}
}
