package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/branchready/branchready/result"
)

// item is one element of a batch's results: the result, or why it could
// not be decoded.
type item struct {
	res result.Result
	err string // "" when res was decoded
}

// errMalformed marks a parse that failed for the whole body; the caller
// words the error with describe.
var errMalformed = errors.New("malformed batch")

// parse decodes a batch body: validJSON checks its syntax in one fast
// scan, then the envelope is walked by hand and each result decoded once,
// straight from its bytes (fastResult), or with encoding/json when it is not
// in the plain form agents send. The first version kept every item as raw
// JSON and decoded it again, scanning each item four times; this scans
// each three times (validJSON, valueEnd, the fast path) with plain loops,
// and allocates little beyond the results themselves (strings repeated
// across the batch are shared, see interner). The agent and the
// descriptor are read by hand too (fastenv.go) unless unusual. The
// envelope's fields keep encoding/json's rules (names matched without case,
// unknown names refused, a repeated name decoded again); an item that does
// not decode is kept with its error, worded as before; any other fault
// fails the whole body, and describe words it as it always was. Items past
// maxResults are only counted. A descriptor for which known (if not nil)
// returns true is left nil: the store holds it already.
func parse(body []byte, maxResults int, known func(raw []byte) bool) (env *envelope, count int, err error) {
	if !validJSON(body) {
		return nil, 0, errMalformed
	}
	env = new(envelope)
	i := ws(body, 0)
	switch body[i] {
	case 'n': // null decodes to an empty batch, as it always has
		return env, 0, nil
	case '{':
	default:
		return nil, 0, fmt.Errorf("%w: the batch is not an object", errMalformed)
	}
	in := new(interner)
	var seen uint8 // envelope fields met so far: a repeat decodes into the first
	for i = ws(body, i+1); body[i] != '}'; {
		ke := stringEnd(body, i)
		key, ok := plainString(body[i:ke])
		if !ok {
			if err := json.Unmarshal(body[i:ke], &key); err != nil {
				return nil, 0, err
			}
		}
		vs := ws(body, ws(body, ke)+1) // past the colon
		if strings.EqualFold(key, "results") && body[vs] == '[' {
			// The list is walked once, item by item, not first to find its end.
			var n int
			env.Results, count, n = parseItems(in, body[vs:], maxResults)
			if i = ws(body, vs+n); body[i] == ',' {
				i = ws(body, i+1)
			}
			continue
		}
		ve := valueEnd(body, vs)
		v := body[vs:ve]
		switch {
		case strings.EqualFold(key, "branch"):
			if s, ok := in.plain(v); ok {
				env.Branch = s
				break
			}
			err = strict(v, &env.Branch)
		case strings.EqualFold(key, "agent"):
			if seen&1 == 0 && in.fastAgent(v, &env.Agent) {
				seen |= 1
				break
			}
			seen |= 1
			env.Agent = result.Agent{} // what the fast path may have half filled
			err = strict(v, &env.Agent)
		case strings.EqualFold(key, "descriptor"):
			if known != nil && known(v) {
				env.Descriptor = nil
				break
			}
			if env.Descriptor == nil {
				if d, ok := in.fastDescriptor(v); ok {
					env.Descriptor = d
					break
				}
			}
			err = strict(v, &env.Descriptor)
		case strings.EqualFold(key, "results"):
			if v[0] != 'n' {
				return nil, 0, fmt.Errorf("%w: results is not a list", errMalformed)
			}
			env.Results, count = nil, 0
		default:
			err = fmt.Errorf("json: unknown field %q", key)
		}
		if err != nil {
			return nil, 0, err
		}
		if i = ws(body, ve); body[i] == ',' {
			i = ws(body, i+1)
		}
	}
	return env, count, nil
}

// parseItems decodes the results list at the start of v and returns its
// items, how many there are and the index just past the list. The items
// live in a pooled slice (see freeItems).
func parseItems(in *interner, v []byte, maxResults int) ([]item, int, int) {
	items := getItems()
	n := 0
	i := ws(v, 1)
	for v[i] != ']' {
		if n++; n <= maxResults {
			it, e := in.decodeItem(v[i:])
			items = append(items, it)
			i += e
		} else {
			i = valueEnd(v, i)
		}
		if i = ws(v, i); v[i] == ',' {
			i = ws(v, i+1)
		}
	}
	return items, n, i + 1
}

// itemSlices holds the slices a batch's items are decoded into: grown
// from nothing for each request, they were a third of the bytes the
// handler allocated per wave batch. validate copies the results out.
var itemSlices sync.Pool

// maxPooledItems is the longest item slice kept for reuse.
const maxPooledItems = 1024

func getItems() []item {
	if p, ok := itemSlices.Get().(*[]item); ok {
		return (*p)[:0]
	}
	return make([]item, 0, 32)
}

// freeItems gives env's item slice back once nothing reads the items.
func (env *envelope) freeItems() {
	items := env.Results
	env.Results = nil
	if cap(items) == 0 || cap(items) > maxPooledItems {
		return
	}
	clear(items) // let the results' strings and maps go
	items = items[:0]
	itemSlices.Put(&items)
}

// decodeItem decodes the result at the start of rest, or says why it
// cannot be stored, and returns its length.
func (in *interner) decodeItem(rest []byte) (item, int) {
	if r, n, ok := in.fastResult(rest); ok {
		return item{res: r}, n
	}
	n := valueEnd(rest, 0)
	raw := rest[:n]
	var r result.Result
	if err := strict(raw, &r); err != nil {
		return item{err: itemError(raw, err)}, n
	}
	return item{res: r}, n
}

// describe words a whole-body parse error exactly as the batch decoder
// always has, by decoding the body the old, slower way: only bodies that
// are refused pay for it.
func describe(body []byte, err error) string {
	if old := strict(body, new(wholeBatch)); old != nil {
		return envelopeError(body, old)
	}
	if errors.Is(err, errMalformed) {
		return strings.TrimPrefix(err.Error(), errMalformed.Error()+": ")
	}
	return jsonError(body, err)
}

// wholeBatch is a batch with its items kept raw: the shape whose decoding
// errors agents are told.
type wholeBatch struct {
	Branch     string             `json:"branch"`
	Agent      result.Agent       `json:"agent"`
	Descriptor *result.Descriptor `json:"descriptor"`
	Results    []json.RawMessage  `json:"results"`
}
