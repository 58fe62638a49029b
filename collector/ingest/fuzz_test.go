package ingest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// FuzzBatch posts arbitrary bodies, plain or gzipped, to the ingest
// handler: every answer is a deliberate one (never a 500), and nothing
// stored has an event time outside the accepted window.
func FuzzBatch(f *testing.F) {
	f.Add(batch("lon", res("a", "lon"), res("a", "lon")), false)
	f.Add(batch("lon", res("b", "lon")), true)
	f.Add([]byte(batchText(`{"id":"x","branch":"lon","device":"d","check":"c","kind":"k","status":"ok","started_at":"9999-12-31T00:00:00Z"}`)), false)
	f.Add([]byte(`{"branch":"lon","agent":{"version":"t","sent_at":"0001-01-01T00:00:01Z","health":{"spool_depth":-5,"dropped":1}},"results":[]}`), false)
	f.Add([]byte(`{"branch":"lon","agent":{"sent_at":5},"results":[{"started_at":7}],"x":1}`), false)
	now := time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC)
	toks, _ := auth.NewTokens(map[string]string{"lon": auth.HashToken(tokLondon)})
	f.Fuzz(func(t *testing.T, body []byte, gz bool) {
		st := &memStore{results: map[string]result.Result{}, contacts: map[string]store.Contact{}}
		h := New(Options{Store: st, Tokens: toks, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Now: func() time.Time { return now }, SkewThreshold: 2 * time.Minute, MaxBodyBytes: 1 << 20, MaxJSONBytes: 4 << 20})
		if gz {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			_, _ = zw.Write(body)
			_ = zw.Close()
			body = b.Bytes()
		}
		r := httptest.NewRequest(http.MethodPost, "/api/v1/results", bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+tokLondon)
		r.Header.Set("Content-Type", "application/json")
		if gz {
			r.Header.Set("Content-Encoding", "gzip")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		switch w.Code {
		case 200, 400, 403, 413:
		default:
			t.Fatalf("answered %d: %s", w.Code, w.Body)
		}
		for _, res := range st.results {
			if res.StartedAt.Before(now.Add(-DefaultMaxAge)) || res.StartedAt.After(now.Add(DefaultMaxAhead)) {
				t.Fatalf("stored %s at %s, outside the window", res.ID, res.StartedAt)
			}
		}
		if h.budget.inUse() != 0 {
			t.Fatalf("%d bytes of budget still held", h.budget.inUse())
		}
	})
}

// FuzzParseAgreesWithTheOldDecoder holds the one-pass parser to what the
// two-pass decoder it replaced made of any body: the same refusals with the
// same words, and the same envelope and items (or item errors) otherwise.
func FuzzParseAgreesWithTheOldDecoder(f *testing.F) {
	f.Add(batch("lon", res("a", "lon"), res("b", "lon")))
	f.Add([]byte(batchText(`{"id":"x","branch":"lon","device":"d","check":"c","kind":"k","status":"ok","started_at":"yesterday"}`)))
	f.Add([]byte(`{"BRANCH":"lon","results":[5, null, {"colour":1}, "x"],"Results":[{"id":1}]}`))
	f.Add([]byte(`{"branch":"lon","agent":{"sent_at":5},"results":[{"started_at":7}],"x":1}`))
	f.Add([]byte(`{"branch":"lon","descriptor":{"name":"n"},"descriptor":{"region":"r"},"results":{}} `))
	f.Add([]byte(`{"branch":"lon","results":[{"id":"a"} , {"id":"b"}]} x`))
	f.Fuzz(func(t *testing.T, body []byte) {
		const most = 3
		env, n, err := parse(body, most, nil)
		var old wholeBatch
		oerr := strict(body, &old)
		if (err != nil) != (oerr != nil) {
			t.Fatalf("parse error %v, old decoder error %v", err, oerr)
		}
		if err != nil {
			if got, want := describe(body, err), envelopeError(body, oerr); got != want {
				t.Fatalf("parse says %q, the old decoder %q", got, want)
			}
			return
		}
		if n != len(old.Results) || env.Branch != old.Branch || !reflect.DeepEqual(env.Agent, old.Agent) || !reflect.DeepEqual(env.Descriptor, old.Descriptor) {
			t.Fatalf("parse made %d items of %+v, the old decoder %d of %+v", n, env, len(old.Results), old)
		}
		for i, it := range env.Results {
			var r result.Result
			want := item{res: r}
			if err := strict(old.Results[i], &r); err != nil {
				want = item{err: itemError(old.Results[i], err)}
			} else {
				want.res = r
			}
			if !reflect.DeepEqual(it, want) {
				t.Fatalf("item %d: parse made %+v, the old decoder %+v", i, it, want)
			}
		}
	})
}

// FuzzFastResult: whenever the fast path decodes an item, encoding/json
// decodes it too, to the same result.
func FuzzFastResult(f *testing.F) {
	f.Add(string(must(json.Marshal(res("a", "lon")))))
	f.Add(`{"id":"a","observations":{"x":1e3,"x":-0.5},"duration_ms":1E-7,"started_at":"2026-11-24T08:01:00.5+01:00"}`)
	f.Add(`{"id":"a","id":"b","Id":"c","reason":"caf\u00e9 \"x\"","status":null}`)
	f.Add(`{ "sweep" : "s" , "observations" : { } , "check":"été" }`)
	f.Fuzz(func(t *testing.T, raw string) {
		if !json.Valid([]byte(raw)) {
			return
		}
		got, ok := fastResult([]byte(raw))
		if !ok {
			return
		}
		var want result.Result
		if err := strict([]byte(raw), &want); err != nil {
			t.Fatalf("the fast path decoded %s, encoding/json refuses it: %v", raw, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\nfast path    %+v\nencoding/json %+v", raw, got, want)
		}
	})
}
