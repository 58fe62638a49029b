package jsonenc

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzStringIsEncodingJSONs holds String to json.Marshal for any string.
func FuzzStringIsEncodingJSONs(f *testing.F) {
	for _, s := range []string{"", "plain", `quote " and \ back`, "<a href='x'>&</a>", "tab\tnew\nline", "caf\u00e9", "\u2028", "\xff\xfe", "\x00\x1f\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := String([]byte("x"), s); string(got) != "x"+string(want) {
			t.Fatalf("String(%q) = %s, json.Marshal %s", s, got[1:], want)
		}
	})
}

func TestTimeIsEncodingJSONs(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2026, 11, 27, 7, 45, 0, 0, time.UTC),
		time.Date(2026, 11, 27, 7, 45, 0, 123456789, time.FixedZone("", 5*3600+1800)),
		{},
	} {
		want, _ := json.Marshal(tm)
		got, err := Time(nil, tm)
		if err != nil || string(got) != string(want) {
			t.Errorf("Time(%v) = %s, %v; json.Marshal %s", tm, got, err, want)
		}
	}
	if _, err := Time(nil, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("a year past 9999 encoded, json.Marshal refuses it")
	}
}

func TestKeyWritesSeparatorQuotedKeyAndColon(t *testing.T) {
	if got := string(Key([]byte("x"), ',', "id")); got != `x,"id":` {
		t.Errorf("Key = %s", got)
	}
}

func TestFieldIsCommaKeyAndString(t *testing.T) {
	if got := string(Field([]byte("{"), "op", `a"b`)); got != `{,"op":"a\"b"` {
		t.Errorf("Field = %s", got)
	}
}
