package ingest

import (
	"crypto/sha256"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/branchready/branchready/result"
)

// FuzzParseKnownDescriptor holds parse with a known test (knownFunc) to
// parse without one: the same refusals in the same words, the same
// envelope and items, whether the test knows nothing, hands back the
// descriptor decoded before from the same bytes (never changing it), or
// says the store holds it (the descriptor is then left nil, unless the
// batch names it twice: a repeat decodes into the first). The span parse
// notes is the descriptor as sent: its SHA-256 is the one noted, and,
// when the batch names its descriptor once, encoding/json decodes it to
// the descriptor parse made.
func FuzzParseKnownDescriptor(f *testing.F) {
	f.Add(waveBodyPlain())
	f.Add(batch("lon", res("a", "lon")))
	for _, s := range envelopeSeeds {
		f.Add([]byte(`{"branch":"lon","descriptor":` + s + `,"results":[]}`))
		f.Add([]byte(`{"descriptor":{"name":"n"},"DESCRIPTOR":` + s + `,"descriptor":` + s + `}`))
	}
	f.Add([]byte(`{"branch":"lon","descriptor":{"name":"n"},"descriptor":{"region":"r"},"results":{}} `))
	f.Add([]byte(`{"branch":"lon","descriptor":null,"results":[]}`))
	f.Add([]byte(`{"branch":"lon","descriptor":{"name":"a"},"descriptor":null}`))
	f.Add([]byte(`{"branch":"lon","descriptor": {"name" : "London", "devices" : [ ] } ,"results":[]}`))
	f.Add([]byte("{\"branch\":\"lon\",\"descriptor\":{\"name\":\"Lond\xffn\"}}"))
	f.Add([]byte(`{"branch":"lon","descriptor":{"name":"a",}}`))
	f.Add([]byte(`{"branch":"lon","descriptor":{"name":"a","colour":1}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		const most = 3
		want, wn, werr := parse(body, most, nil)
		same := func(pass string, env *envelope, n int, err error) {
			t.Helper()
			if (err != nil) != (werr != nil) {
				t.Fatalf("%s: error %v, without a known test %v", pass, err, werr)
			}
			if err != nil {
				if got, w := describe(body, err), describe(body, werr); got != w {
					t.Fatalf("%s: says %q, without a known test %q", pass, got, w)
				}
				return
			}
			if n != wn || env.Branch != want.Branch || !reflect.DeepEqual(env.Agent, want.Agent) ||
				!reflect.DeepEqual(env.Descriptor, want.Descriptor) || !reflect.DeepEqual(env.Results, want.Results) || !reflect.DeepEqual(env.bad, want.bad) {
				t.Fatalf("%s: made %d items of %+v, without a known test %d of %+v", pass, n, env, wn, want)
			}
		}
		first, n, err := parse(body, most, func([32]byte) (*result.Descriptor, bool) { return nil, false })
		same("knowing nothing", first, n, err)
		if err != nil || first.descs == 0 {
			return
		}
		raw := body[first.descAt:first.descEnd]
		if first.descSum != sha256.Sum256(raw) {
			t.Fatalf("the sum noted is not that of the span %q", raw)
		}
		if first.descs == 1 {
			var d *result.Descriptor
			if err := json.Unmarshal(raw, &d); err != nil || !reflect.DeepEqual(d, first.Descriptor) {
				t.Fatalf("the span %q decodes to %+v (%v), parse made %+v", raw, d, err, first.Descriptor)
			}
		}
		held, sum := first.Descriptor, first.descSum
		again, n, err := parse(body, most, func(s [32]byte) (*result.Descriptor, bool) { return held, s == sum && held != nil })
		same("handed the descriptor decoded before", again, n, err)
		if fresh, _, _ := parse(body, most, nil); !reflect.DeepEqual(held, fresh.Descriptor) {
			t.Fatalf("the descriptor handed back was changed: %+v, decoded anew %+v", held, fresh.Descriptor)
		}
		stored, n, err := parse(body, most, func(s [32]byte) (*result.Descriptor, bool) { return nil, s == sum })
		if first.descs == 1 {
			if err != nil || stored.Descriptor != nil {
				t.Fatalf("a descriptor the store holds: %+v, %v; want none", stored, err)
			}
			return
		}
		same("told the store holds the first", stored, n, err)
	})
}
