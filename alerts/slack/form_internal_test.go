package slack

import (
	"net/url"
	"testing"
)

func TestQueryEscapingIsNetURLs(t *testing.T) {
	var all []byte
	for c := range 256 {
		all = append(all, byte(c))
	}
	for _, s := range []string{"", "plain", string(all), "a b+c&d=e/f?g#h%i", "雨 ☂ é", `[{"type":"section","text":{"type":"mrkdwn","text":"*<x|y>*"}}]`} {
		t.Run("escaping "+url.QueryEscape(s)+" is url.QueryEscape's", func(t *testing.T) {
			if got, want := string(appendQueryEscape(nil, s)), url.QueryEscape(s); got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
	t.Run("a form is url.Values.Encode's", func(t *testing.T) {
		var got []byte
		got = appendField(got, "blocks", []byte(`[{"a":"b c"}]`))
		got = appendField(got, "channel", "#x")
		got = appendField(got, "text", "")
		want := url.Values{"blocks": {`[{"a":"b c"}]`}, "channel": {"#x"}, "text": {""}}.Encode()
		if string(got) != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("a field's length is counted as it is written", func(t *testing.T) {
		for _, v := range []string{"", "plain", string(all), "雨 ☂ é", `[{"a":"b c"}]`} {
			if got, want := len(appendField([]byte("x"), "thread_ts", v))-1, fieldLen("thread_ts", v); got != want {
				t.Errorf("field of %q: %d bytes written, %d counted", v, got, want)
			}
		}
	})
}
