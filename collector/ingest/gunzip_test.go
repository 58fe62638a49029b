package ingest

import (
	"bytes"
	stdgzip "compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// gzipOf is s gzipped by the standard library, as agents gzip.
func gzipOf(s string) []byte {
	var b bytes.Buffer
	zw := stdgzip.NewWriter(&b)
	_, _ = zw.Write([]byte(s))
	_ = zw.Close()
	return b.Bytes()
}

// gzipFaults are gzip bodies broken in the ways a body can break, by name.
func gzipFaults() map[string][]byte {
	body := gzipOf(`{"branch":"lon","results":[]}`)
	changed := func(i int, b byte) []byte {
		c := bytes.Clone(body)
		c[i] = b
		return c
	}
	return map[string][]byte{
		"a header cut short":               body[:2],
		"not gzip at all":                  []byte("not gzip at all"),
		"a file name cut short":            []byte("\x1f\x8b\x08\x08\x00\x00\x00\x00\x00\xffbatch.js"),
		"a stream cut short":               body[:15],
		"a trailer cut short":              body[:len(body)-4],
		"a checksum that does not match":   changed(len(body)-8, body[len(body)-8]^0xff),
		"a block of the reserved type":     changed(10, 0xff),
		"bytes after the gzip stream ends": append(bytes.Clone(body), 'x', 'y'),
	}
}

// A corrupt gzip body is refused with the standard library's words, as it
// always was, although another reader expands bodies now.
func TestACorruptGzipBodyIsRefusedWithTheWordsAgentsWereAlwaysTold(t *testing.T) {
	want := map[string]string{
		"a header cut short":               "Content-Encoding gzip but the body is not gzip: unexpected EOF",
		"not gzip at all":                  "Content-Encoding gzip but the body is not gzip: gzip: invalid header",
		"a file name cut short":            "Content-Encoding gzip but the body is not gzip: unexpected EOF",
		"a stream cut short":               "gzip body is corrupt: unexpected EOF",
		"a trailer cut short":              "gzip body is corrupt: unexpected EOF",
		"a checksum that does not match":   "gzip body is corrupt: gzip: invalid checksum",
		"a block of the reserved type":     "gzip body is corrupt: flate: corrupt input before offset 1",
		"bytes after the gzip stream ends": "gzip body is corrupt: unexpected EOF",
	}
	toks, _ := auth.NewTokens(map[string]string{"lon": auth.HashToken(tokLondon)})
	st := &memStore{results: map[string]result.Result{}, contacts: map[string]store.Contact{}}
	h := New(Options{Store: st, Tokens: toks, Log: slog.New(slog.DiscardHandler)})
	for name, body := range gzipFaults() {
		t.Run(name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/api/v1/results", bytes.NewReader(body))
			r.Header.Set("Authorization", "Bearer "+tokLondon)
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Content-Encoding", "gzip")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			got := strings.TrimSpace(w.Body.String())
			if w.Code != http.StatusBadRequest || got != `{"error":"`+want[name]+`"}` {
				t.Errorf("got %d %s, want 400 %q", w.Code, got, want[name])
			}
			if h.budget.inUse() != 0 {
				t.Errorf("%d bytes of budget still held", h.budget.inUse())
			}
		})
	}
}

// FuzzGunzipAgrees holds the gzip reader bodies are expanded with to the
// standard library's: the same bodies accepted, expanding to the same
// bytes, and the same ones refused (gzipError then words the refusal).
func FuzzGunzipAgrees(f *testing.F) {
	var b testing.B
	f.Add(gzipOf(string(waveJSON(&b, "wave-00001", time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC), true))))
	f.Add(append(gzipOf(`{"branch":`), gzipOf(`"lon"}`)...)) // two members make one body
	for _, body := range gzipFaults() {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		const limit = 1 << 20
		std, stdErr := expand(body, limit, func(r io.Reader) (io.Reader, error) { return stdgzip.NewReader(r) })
		got, err := expand(body, limit, func(r io.Reader) (io.Reader, error) { return gunzipper(r) })
		if (err == nil) != (stdErr == nil) {
			t.Fatalf("the standard library says %v, the reader used says %v", stdErr, err)
		}
		if err == nil && !bytes.Equal(got, std) {
			t.Fatalf("expanded to %d bytes, the standard library to %d", len(got), len(std))
		}
		if err != nil && gzipError(body, limit, err).Error() != stdErr.Error() {
			t.Fatalf("worded %q, the standard library %q", gzipError(body, limit, err), stdErr)
		}
	})
}

// expand reads at most limit bytes of what the reader open makes of body.
func expand(body []byte, limit int64, open func(io.Reader) (io.Reader, error)) ([]byte, error) {
	zr, err := open(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(zr, limit))
}
