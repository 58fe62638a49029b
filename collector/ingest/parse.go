package ingest

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/branchready/branchready/result"
)

// itemErr is why the item at index i of a batch's results could not be
// decoded; the item keeps its place in the results as a zero result.
type itemErr struct {
	i   int
	msg string
}

// errMalformed marks a parse that failed for the whole body; the caller
// words the error with describe.
var errMalformed = errors.New("malformed batch")

// parse decodes a batch body in one walk: the envelope is walked by
// hand and each result decoded once, straight from its bytes
// (fastResult), or with encoding/json when it is not in the plain form
// agents send; the agent and the descriptor are read by hand too
// (fastenv.go) unless unusual. The readers check the syntax of what they
// read as they go, so the body is no longer scanned by validJSON first:
// only a body that leaves the plain form somewhere is, before encoding/json
// reads any part of it (interner.valid), and a fault the walk meets
// fails the body as validJSON would have. The first version kept every
// item as raw JSON and decoded it again, scanning each item four times;
// the next scanned each three times (validJSON, valueEnd, the fast path);
// this scans it once, and allocates little beyond the results themselves
// (strings repeated across the batch are shared, the others cut from a
// few chunks, see interner). The envelope's fields keep encoding/json's
// rules (names matched without case, unknown names refused, a repeated
// name decoded again); an item that does not decode is kept with its
// error, worded as before; any other fault fails the whole body, which
// describe words as it always was. Items past maxResults are only
// counted. With known set, the descriptor's bytes are hashed and noted in
// env (knownDescriptor), and one known has is taken from it, not decoded.
func parse(body []byte, maxResults int, known knownFunc) (env *envelope, count int, err error) {
	env = new(envelope)
	in := getInterner(body)
	defer putInterner(in)
	i := ws(body, 0)
	if isNull(body[i:]) && ws(body, i+4) == len(body) {
		return env, 0, nil // null decodes to an empty batch, as it always has
	}
	if i >= len(body) || body[i] != '{' {
		if !in.valid() {
			return nil, 0, errMalformed
		}
		return nil, 0, fmt.Errorf("%w: the batch is not an object", errMalformed)
	}
	var seen uint8 // envelope fields met so far: a repeat decodes into the first
	if i = ws(body, i+1); i < len(body) && body[i] == '}' {
		return env, 0, end(body, i+1)
	}
	for {
		key, n, ok := plainKey(in, body, i)
		if !ok {
			return nil, 0, errMalformed
		}
		if i = ws(body, i+n); i >= len(body) || body[i] != ':' {
			return nil, 0, errMalformed
		}
		vs := ws(body, i+1)
		if vs >= len(body) {
			return nil, 0, errMalformed
		}
		var ve int
		if is(key, "results") && body[vs] == '[' {
			// The list is walked once, item by item, not first to find its end.
			var n int
			env.Results, env.bad = nil, nil // a repeated list decodes anew, as in encoding/json
			if count, n, ok = parseItems(in, body[vs:], maxResults, env); !ok {
				return nil, 0, errMalformed
			}
			ve = vs + n
		} else if ve, err = in.member(env, key, body, vs, &seen, known); err != nil {
			return nil, 0, err
		}
		if i = ws(body, ve); i >= len(body) {
			return nil, 0, errMalformed
		}
		switch body[i] {
		case ',':
			i = ws(body, i+1)
		case '}':
			return env, count, end(body, i+1)
		default:
			return nil, 0, errMalformed
		}
	}
}

// end checks that nothing but blanks follows the batch's object at i.
func end(body []byte, i int) error {
	if ws(body, i) != len(body) {
		return errMalformed
	}
	return nil
}

// plainKey reads the name of the envelope's member at body[i]: plain as
// agents write it, else (in a valid body) with encoding/json.
func plainKey(in *interner, body []byte, i int) ([]byte, int, bool) {
	if k, n, ok := plainAt(body[i:]); ok {
		return k, n, true
	}
	if i >= len(body) || body[i] != '"' || !in.valid() {
		return nil, 0, false
	}
	var key string
	ke := stringEnd(body, i)
	return []byte(key), ke - i, json.Unmarshal(body[i:ke], &key) == nil
}

// is reports whether key is the field name as encoding/json matches
// names (without regard to case).
func is(key []byte, name string) bool {
	return strings.EqualFold(string(key), name) // no allocation for a name of up to 32 bytes
}

// member decodes the envelope's member key, whose value starts at
// body[vs] (other than a list of results), into env, and returns the
// index just past the value.
func (in *interner) member(env *envelope, key []byte, body []byte, vs int, seen *uint8, known knownFunc) (int, error) {
	rest := body[vs:]
	switch {
	case is(key, "branch"):
		if v, n, ok := plainAt(rest); ok {
			env.Branch = in.intern(v)
			return vs + n, nil
		}
	case is(key, "agent"):
		if *seen&1 == 0 {
			*seen |= 1
			if n, ok := in.fastAgent(rest, &env.Agent); ok {
				return vs + n, nil
			}
			env.Agent = result.Agent{} // what the fast path may have half filled
		}
	case is(key, "descriptor"):
		if known != nil {
			ve, done, err := in.knownDescriptor(env, body, vs, known)
			if done || err != nil {
				return ve, err
			}
		}
		if env.Descriptor == nil {
			if d, n, ok := in.fastDescriptor(rest); ok {
				env.Descriptor = d
				return vs + n, nil
			}
		}
	case is(key, "results"):
		if isNull(rest) {
			env.Results, env.bad = nil, nil
			return vs + 4, nil
		}
	}
	if !in.valid() {
		return 0, errMalformed
	}
	ve := valueEnd(body, vs)
	v := body[vs:ve]
	var err error
	switch {
	case is(key, "branch"):
		err = strict(v, &env.Branch)
	case is(key, "agent"):
		err = strict(v, &env.Agent)
	case is(key, "descriptor"):
		err = strict(v, &env.Descriptor)
	case is(key, "results"):
		err = fmt.Errorf("%w: results is not a list", errMalformed)
	default:
		err = fmt.Errorf("json: unknown field %q", string(key))
	}
	return ve, err
}

// parseItems decodes the results list at the start of v into
// env.Results (an item that does not decode keeps its place, zero, and
// its error goes to env.bad) and returns how many items there are and
// the index just past the list; false when the list is not valid JSON.
//
// The results are decoded in place into the slice the handler keeps the
// good ones of (validate compacts it): decoding each into an item of a
// pooled list, copying it there and again into a new list in validate,
// then clearing the pooled list, was a tenth of the handler's time.
func parseItems(in *interner, v []byte, maxResults int, env *envelope) (int, int, bool) {
	in.pack = true
	defer func() { in.pack = false }()
	n := 0
	i := ws(v, 1)
	if i < len(v) && v[i] == ']' {
		return 0, i + 1, true
	}
	rs := make([]result.Result, 0, resultsCap(len(v), maxResults))
	defer func() { env.Results = rs }()
	for {
		if i >= len(v) {
			return n, 0, false
		}
		var e int
		ok := true
		if n++; n <= maxResults {
			rs = append(rs, result.Result{})
			var msg string
			if msg, e, ok = in.decodeItem(v[i:], &rs[len(rs)-1]); msg != "" {
				env.bad = append(env.bad, itemErr{len(rs) - 1, msg})
			}
		} else {
			e, ok = validValue(v[i:], 0, 2)
		}
		if !ok {
			return n, 0, false
		}
		if i = ws(v, i+e); i >= len(v) {
			return n, 0, false
		}
		switch v[i] {
		case ',':
			i = ws(v, i+1)
		case ']':
			return n, i + 1, true
		default:
			return n, 0, false
		}
	}
}

// resultBytes is about the bytes of a result as agents send it (a wave's
// are 330 to 350): the results list is made for its length over this, so
// that a sweep's batch is decoded without growing the list, and a list of
// larger results is made larger than it needs (by less than the body's
// own size) rather than grown and copied.
const resultBytes = 320

// resultsCap is the capacity the results of a list of n bytes are decoded
// into.
func resultsCap(n, maxResults int) int {
	return max(1, min(maxResults, n/resultBytes+1))
}

// decodeItem decodes the result at the start of rest into r, which is
// zero, or says why it cannot be stored (msg; r is then zero), and
// returns its length; false when the body is not valid JSON.
func (in *interner) decodeItem(rest []byte, r *result.Result) (msg string, n int, ok bool) {
	if n, ok := in.fastResult(rest, r); ok {
		return "", n, true
	}
	*r = result.Result{} // what the fast path may have half filled
	if !in.valid() {
		return "", 0, false
	}
	n = valueEnd(rest, 0)
	raw := rest[:n]
	if err := strict(raw, r); err != nil {
		*r = result.Result{}
		return itemError(raw, err), n, true
	}
	return "", n, true
}

// knownFunc is how the handler tells parse which descriptors it need
// not decode: given the SHA-256 of a batch's descriptor as sent, it
// returns the descriptor to take for it (nil: none, the store keeps the
// one it holds) and true, or false when the descriptor must be decoded.
type knownFunc func(sum [32]byte) (*result.Descriptor, bool)

// knownDescriptor handles the batch's descriptor member whose value starts
// at body[vs] when known is set: the value is checked and hashed (env
// keeps where it lies and its SHA-256), and taken from known when known
// has it (done). A repeated member decodes into the first, as in
// encoding/json; a first one taken from known (shared, or nil) is then
// decoded after all, into a value of its own, before the repeat is.
func (in *interner) knownDescriptor(env *envelope, body []byte, vs int, known knownFunc) (ve int, done bool, err error) {
	ve, ok := validValue(body, vs, 1) // hashed, not decoded: checked here
	if !ok {
		return 0, false, errMalformed
	}
	if env.descs++; env.descs > 1 {
		if env.descKnown {
			env.descKnown, env.Descriptor = false, nil
			var seen uint8
			if _, err := in.member(env, []byte("descriptor"), body, env.descAt, &seen, nil); err != nil {
				return 0, false, err
			}
		}
		return ve, false, nil
	}
	env.descAt, env.descEnd = vs, ve
	env.descSum = sha256.Sum256(body[vs:ve])
	d, ok := known(env.descSum)
	if ok {
		env.Descriptor, env.descKnown = d, true
	}
	return ve, ok, nil
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
