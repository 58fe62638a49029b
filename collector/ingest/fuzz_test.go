package ingest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
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
	for _, s := range envelopeSeeds { // the fast agent and descriptor in place, once and repeated
		f.Add([]byte(`{"branch":"lon","agent":` + s + `,"descriptor":` + s + `,"results":[]}`))
		f.Add([]byte(`{"agent":{"version":"a"},"Agent":` + s + `,"descriptor":{"name":"n"},"DESCRIPTOR":` + s + `}`))
	}
	f.Add([]byte(`{"agent":{"version":"a"},"Agent":{"config_hash":"h"},"results":[]}`)) // a repeat decodes into the first
	f.Add([]byte(`{"agent":{"version":"a\u0062"},"Agent":{"config_hash":"h"},"results":[]}`))
	f.Add([]byte(`{"branch":"lon","results":[{"id":"a","status":"ok"} ,{"id":"b",}]}`))
	f.Add([]byte(`{"branch":"lon","descriptor":{"name":"n","devices":[{"id":"a","checks":[{"name":"c"}]}]}} {}`))
	f.Add([]byte(`{"branch":"lon","results":[{"id":"a","duration_ms":01}]}`))
	f.Add([]byte("{\"branch\":\"l\x01n\",\"results\":[]}"))
	f.Add(waveBodyPlain())
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
		items := itemsOf(env)
		for i, it := range items {
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

// item is one element of a batch's results as parse leaves it: the
// result, or why it could not be decoded (the result then zero).
type item struct {
	res result.Result
	err string
}

// itemsOf returns env's items, each with its error; it fails when an
// error does not name an item in order or its result is not zero.
func itemsOf(env *envelope) []item {
	items := make([]item, len(env.Results))
	for i, r := range env.Results {
		items[i].res = r
	}
	last := -1
	for _, b := range env.bad {
		if b.i <= last || b.i >= len(items) || b.msg == "" || !reflect.DeepEqual(items[b.i].res, result.Result{}) {
			panic(fmt.Sprintf("item errors out of order or on a decoded result: %+v", env.bad))
		}
		items[b.i].err, last = b.msg, b.i
	}
	return items
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
		var got result.Result
		n, ok := new(interner).fastResult([]byte(raw), &got)
		if !ok {
			return
		}
		if ws([]byte(raw), n) != len(raw) {
			t.Fatalf("the fast path read %d bytes of %s", n, raw)
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

// envelopeSeeds are agents and descriptors as agents send them, and the
// unusual forms the fast path must leave to encoding/json.
var envelopeSeeds = []string{
	string(must(json.Marshal(result.Agent{Version: "1.4.0", ConfigHash: "sha256:0f", SentAt: time.Date(2026, 11, 24, 8, 1, 0, 5, time.UTC),
		Health: &result.Health{SpoolDepth: 3, Dropped: 7, DroppedByReason: map[string]uint64{"spool_full": 7}, Held: 2, LastSweep: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC), LastSweepReady: true}}))),
	string(must(json.Marshal(waveDescriptor("lon")))),
	`{"name":"n","calendar":{"holidays":[{"date":"2026-12-25"}],"rules":[{"weekdays":["fri"],"nth":-1,"hours":"10:30-16:00"}],"check_time":"06:00","lead_ns":-0},` +
		`"devices":[{"id":"a","checks":null,"depends_on":"b","transactions_per_day":100}],"groups":[{"name":"g","devices":["a"],"min":1,"criticality":"blocking"}],` +
		`"maintenance":[{"devices":["a"],"start":"2026-11-24 08:00","end":"2026-11-24 09:00"}]}`,
	`{"devices":[{"id":"a","transactions_per_day":1e2}],"groups":[{"devices":["a",null],"min":1.0}],"maintenance":[{"devices":"a"}],"calendar":{"rules":[{"nth":"x"}]}}`,
	`{"version":null,"sent_at":null,"health":{"dropped":-1,"spool_depth":1.5,"held":9223372036854775808,"last_sweep_ready":null,"dropped_by_reason":{"a":1,"a":2}}}`,
	`{"Name":"x","devices":[],"groups":[],"calendar":{"hours":{"mon":"08:00-16:00","mon":"x"}},"region":"caf\u00e9"}`,
	`{"name":"n","devices":[null],"calendar":null,"region":null}`,
}

// FuzzFastEnvelope: whenever the fast path decodes an agent or a
// descriptor, encoding/json decodes it too, to the same value.
func FuzzFastEnvelope(f *testing.F) {
	for _, s := range envelopeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if !json.Valid([]byte(raw)) {
			return
		}
		var a result.Agent
		if n, ok := new(interner).fastAgent([]byte(raw), &a); ok {
			if ws([]byte(raw), n) != len(raw) {
				t.Fatalf("the fast path read %d bytes of agent %s", n, raw)
			}
			var want result.Agent
			if err := strict([]byte(raw), &want); err != nil {
				t.Fatalf("the fast path decoded agent %s, encoding/json refuses it: %v", raw, err)
			}
			if !reflect.DeepEqual(a, want) {
				t.Fatalf("agent %s:\nfast path    %+v\nencoding/json %+v", raw, a, want)
			}
		}
		if d, n, ok := new(interner).fastDescriptor([]byte(raw)); ok {
			if ws([]byte(raw), n) != len(raw) {
				t.Fatalf("the fast path read %d bytes of descriptor %s", n, raw)
			}
			var want *result.Descriptor
			if err := strict([]byte(raw), &want); err != nil {
				t.Fatalf("the fast path decoded descriptor %s, encoding/json refuses it: %v", raw, err)
			}
			if !reflect.DeepEqual(d, want) {
				t.Fatalf("descriptor %s:\nfast path    %+v\nencoding/json %+v", raw, d, want)
			}
		}
	})
}

// waveBodyPlain is a wave's batch as an agent sends it, before gzip.
func waveBodyPlain() []byte {
	now := time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC)
	b := result.Batch{Branch: "lon", Descriptor: waveDescriptor("lon"), Agent: result.Agent{Version: "1.4.0", ConfigHash: "h", SentAt: now,
		Health: &result.Health{SpoolDepth: 2, LastSweep: now}}}
	for _, id := range []string{"a", "b"} {
		r := res(id, "lon")
		r.Observations, r.Sweep, r.AgentVersion = map[string]float64{"latency_seconds": 0.003, "x": 1}, "pre-opening-1", "1.4.0"
		b.Results = append(b.Results, r)
	}
	return must(json.Marshal(b))
}

// FuzzValid holds validJSON to json.Valid.
func FuzzValid(f *testing.F) {
	for _, s := range envelopeSeeds {
		f.Add([]byte(s))
	}
	f.Add(waveBodyPlain())
	for _, s := range []string{``, ` `, `-`, `-0`, `01`, `1.`, `1.5e`, `1E+2`, `-0.0e-0`, `"\u00e9\ud800"`, `"\uZZZZ"`, `"\x"`, "\"\x01\"", "\"\xff\"",
		`tru`, `nulll`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `[]`, `{}`, ` [ { } , [ ] ] `, `{"a":[1,2,{"b":null}]}x`, `""`, `"\/"`} {
		f.Add([]byte(s))
	}
	f.Add([]byte(strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)))
	f.Add([]byte(strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)))
	f.Add([]byte(strings.Repeat(`{"a":`, maxDepth) + "1" + strings.Repeat("}", maxDepth)))
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid %v", b, got, want)
		}
	})
}
