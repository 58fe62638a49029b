package slacktest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// goldenTexts are the shipped templates' message texts (alerts/render
// golden files): what a form's largest fields hold.
func goldenTexts(t testing.TB) []string {
	var out []string
	for _, name := range []string{"en", "zh-CN", "override"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "render", "testdata", name+".golden"))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if _, q, ok := strings.Cut(line, ": "); ok {
				if u, err := strconv.Unquote(q); err == nil {
					out = append(out, u)
				}
			}
		}
	}
	return out
}

// readsAsParseForm checks that readForm gives what Request.ParseForm
// gives for the same request: the same failure, or the same first value
// of every field.
func readsAsParseForm(t *testing.T, contentType, body, query string) {
	t.Helper()
	mk := func() *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/api/chat.postMessage", strings.NewReader(body))
		r.URL.RawQuery = query
		r.Header.Set("Content-Type", contentType)
		return r
	}
	want := mk()
	werr := want.ParseForm()
	got, gerr := readForm(mk())
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("readForm(%q, %q, %q) error %v, ParseForm %v", contentType, body, query, gerr, werr)
	}
	if werr != nil {
		return
	}
	n := 0
	for k := range want.Form {
		n++
		if g, w := got.Get(k), want.Form.Get(k); g != w {
			t.Fatalf("readForm(%q, %q): field %q is %q, ParseForm says %q", body, query, k, g, w)
		}
	}
	keys := map[string]bool{}
	for _, p := range got.pairs {
		keys[p.key] = true
	}
	if len(keys) != n {
		t.Fatalf("readForm(%q, %q) has fields %v, ParseForm %v", body, query, keys, want.Form)
	}
}

func TestReadFormReadsAsParseForm(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	for _, tc := range []struct{ name, ct, body, query string }{
		{"a post as the notifier sends it is read whole", form, url.Values{"channel": {"#b1"}, "text": {"a + b & c = 100%"}, "blocks": {`[{"type":"section"}]`}, "token": {"xoxb-1"}}.Encode(), ""},
		{"the body's value wins over the query's", form, "token=a", "token=b&limit=3"},
		{"a bad escape in a value fails", form, "text=100%", ""},
		{"a bad escape in a key fails", form, "te%zxt=1", ""},
		{"a semicolon fails", form, "a=1;b=2", ""},
		{"a bad escape in the query fails", form, "a=1", "b=%g0"},
		{"a body of another type is not read", "application/json", `{"text":"x"}`, "a=1"},
		{"a malformed content type fails", "text/plain; =", "a=1", ""},
		{"a content type with parameters is read", form + "; charset=utf-8", "a=%41", ""},
		{"empty fields are skipped", form, "&&a=&=b&c", ""},
	} {
		t.Run(tc.name, func(t *testing.T) { readsAsParseForm(t, tc.ct, tc.body, tc.query) })
	}
}

// FuzzReadForm checks readForm against Request.ParseForm, seeded with
// forms carrying the shipped templates' texts as the notifier sends them.
func FuzzReadForm(f *testing.F) {
	for _, text := range goldenTexts(f) {
		f.Add(url.Values{"channel": {"C00000001"}, "text": {text}, "thread_ts": {"1.000001"}, "token": {"xoxb-t"}}.Encode(), "")
	}
	f.Add("a=1;b=2", "c=%zz")
	f.Add("text=%e4%b8%ad+%", "limit=5")
	f.Fuzz(func(t *testing.T, body, query string) {
		readsAsParseForm(t, "application/x-www-form-urlencoded", body, query)
	})
}
