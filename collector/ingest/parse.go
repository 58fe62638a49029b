package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

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

// parse decodes a batch body in one pass: the envelope's fields with
// encoding/json's own rules (case-insensitive names, unknown names
// refused, a repeated name decoded again), and each result straight from
// the stream into a Result, so that the items are scanned twice (syntax,
// then values) rather than four times as when they were first kept as raw
// JSON and decoded again. An item that does not decode is kept with its
// error, worded as before; a syntax error anywhere fails the whole body.
// Items past maxResults are only counted.
func parse(body []byte, maxResults int) (env *envelope, count int, err error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	env = new(envelope)
	tok, err := dec.Token()
	if err != nil {
		return nil, 0, err
	}
	if tok != json.Delim('{') {
		if tok != nil { // null decodes to an empty batch, as it always has
			return nil, 0, fmt.Errorf("%w: %v where { was expected", errMalformed, tok)
		}
		return env, 0, end(dec)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, 0, err
		}
		key, _ := tok.(string)
		switch {
		case strings.EqualFold(key, "branch"):
			err = dec.Decode(&env.Branch)
		case strings.EqualFold(key, "agent"):
			err = dec.Decode(&env.Agent)
		case strings.EqualFold(key, "descriptor"):
			err = dec.Decode(&env.Descriptor)
		case strings.EqualFold(key, "results"):
			env.Results, count, err = parseItems(dec, body, maxResults)
		default:
			err = fmt.Errorf("json: unknown field %q", key)
		}
		if err != nil {
			return nil, 0, err
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, 0, err
	}
	return env, count, end(dec)
}

// end insists that nothing follows the batch.
func end(dec *json.Decoder) error {
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON value")
	}
	return nil
}

// expectDelim reads the next token and insists it is d.
func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != d {
		return fmt.Errorf("%w: %v where %v was expected", errMalformed, tok, d)
	}
	return nil
}

// parseItems decodes the results list at dec, null included. body is the
// whole body, for wording an item's error from its own bytes.
func parseItems(dec *json.Decoder, body []byte, maxResults int) ([]item, int, error) {
	tok, err := dec.Token()
	if err != nil || tok == nil {
		return nil, 0, err
	}
	if tok != json.Delim('[') {
		return nil, 0, fmt.Errorf("%w: results is not a list", errMalformed)
	}
	var items []item
	n := 0
	for dec.More() {
		n++
		if n > maxResults {
			if err := dec.Decode(new(skip)); err != nil {
				return nil, 0, err
			}
			continue
		}
		start := dec.InputOffset()
		items = append(items, item{})
		it := &items[len(items)-1]
		err := dec.Decode(&it.res)
		if err == nil {
			continue
		}
		if fatal(err) {
			return nil, 0, err
		}
		raw := itemBytes(body, start, dec.InputOffset())
		// The item's message is the one it earned decoded on its own, as
		// agents have always been told.
		if e := strict(raw, new(result.Result)); e != nil {
			err = e
		}
		*it = item{err: itemError(raw, err)}
	}
	if err := expectDelim(dec, ']'); err != nil {
		return nil, 0, err
	}
	return items, n, nil
}

// fatal reports whether err leaves the stream unreadable (bad syntax, cut
// short) rather than one item undecodable.
func fatal(err error) bool {
	var se *json.SyntaxError
	return errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// itemBytes returns the item between two stream offsets: the separator
// and blanks the decoder consumed before it are cut off.
func itemBytes(body []byte, from, to int64) []byte {
	raw := body[from:to]
	raw = bytes.TrimLeft(raw, " \t\r\n")
	raw = bytes.TrimPrefix(raw, []byte(","))
	return bytes.TrimLeft(raw, " \t\r\n")
}

// skip consumes one JSON value (checking its syntax) and keeps nothing.
type skip struct{}

// UnmarshalJSON implements json.Unmarshaler.
func (*skip) UnmarshalJSON([]byte) error { return nil }

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
