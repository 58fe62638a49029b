package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/branchready/branchready/result"
)

// Bounds on the envelope's own fields: a 5 MiB agent version was once
// stored, and a 30 MiB branch name made the board page 31 MB.
const (
	MaxVersionLen    = 64
	MaxConfigHashLen = 128
	MaxDevices       = 1000
)

// envelope is a Batch whose items were decoded one by one, so that one bad
// item does not spoil the rest.
type envelope struct {
	Branch     string
	Agent      result.Agent
	Descriptor *result.Descriptor
	// Results are the batch's items (past the handler's MaxResults they
	// are only counted); one that did not decode is a zero result here,
	// and bad says why, in the order of the items.
	Results []result.Result
	bad     []itemErr

	// What parse learnt of the descriptor when the handler has a known
	// test (knownFunc): how many descriptor members the batch has, where
	// the first one's value lies in the body and its SHA-256, and whether
	// Descriptor was taken from the test rather than decoded.
	descs           int
	descAt, descEnd int
	descSum         [32]byte
	descKnown       bool
	// descJSON is the descriptor as a DescriptorJSONWriter is handed it
	// (descriptorJSON), descSum then its SHA-256.
	descJSON string
}

// reading is what a request's body is read with, in one allocation (the
// readers, their limits and the closure that released them were five).
// Nothing decoded refers to the body's bytes (every string is copied
// out of them), so once the items are decoded its buffers are reused.
type reading struct {
	br      budgetReader
	limit   io.LimitedReader // the body as sent
	gz      bytes.Reader     // the raw body, for gunzip
	zlimit  io.LimitedReader // the expanded body
	rawBuf  *bytes.Buffer
	jsonBuf *bytes.Buffer
}

// release gives back the request's budget and buffers; it may be called
// again.
func (rd *reading) release() {
	if rd.br.b != nil {
		rd.br.release()
	}
	if rd.rawBuf != nil {
		putBuffer(rd.rawBuf)
		rd.rawBuf = nil
	}
	if rd.jsonBuf != nil {
		putBuffer(rd.jsonBuf)
		rd.jsonBuf = nil
	}
}

// decode reads the (possibly gzipped) body within the size limits and the
// collector-wide decode budget into rd, and decodes it strictly.
// rd.release must be called once the request no longer needs the body.
// A descriptor the store already holds for branch is left undecoded.
func (h *Handler) decode(r *http.Request, branch string, rd *reading) (env *envelope, err error) {
	if ct := r.Header.Get("Content-Type"); !isJSON(ct) {
		return nil, fail(http.StatusUnsupportedMediaType, "Content-Type %q: must be application/json", ct)
	}
	if r.ContentLength > h.o.MaxBodyBytes {
		return nil, fail(http.StatusRequestEntityTooLarge, "body of %d bytes: at most %d bytes per request; send smaller batches", r.ContentLength, h.o.MaxBodyBytes)
	}
	rd.limit = io.LimitedReader{R: r.Body, N: h.o.MaxBodyBytes + 1}
	rd.br = budgetReader{r: &rd.limit, b: h.budget}
	rd.rawBuf = getBuffer()
	raw, err := readAll(rd.rawBuf, &rd.br)
	if err != nil {
		return nil, readError(err, "reading body")
	}
	if int64(len(raw)) > h.o.MaxBodyBytes {
		return nil, fail(http.StatusRequestEntityTooLarge, "body over %d bytes; send smaller batches", h.o.MaxBodyBytes)
	}
	select { // see Handler.decoding
	case h.decoding <- struct{}{}:
		defer func() { <-h.decoding }()
	case <-r.Context().Done():
		return nil, fail(http.StatusServiceUnavailable, "the request ended while waiting to decode: %v", r.Context().Err())
	}
	body := raw
	switch enc := r.Header.Get("Content-Encoding"); enc {
	case "", "identity":
	case "gzip":
		rd.gz.Reset(raw)
		zr, err := gunzipper(&rd.gz)
		if err != nil {
			return nil, fail(http.StatusBadRequest, "Content-Encoding gzip but the body is not gzip: %v", gzipError(raw, 0, err))
		}
		rd.zlimit = io.LimitedReader{R: zr, N: h.o.MaxJSONBytes + 1}
		rd.br.r = &rd.zlimit
		rd.jsonBuf = getBuffer()
		body, err = readAll(rd.jsonBuf, &rd.br)
		if err != nil {
			if !errors.Is(err, errBudget) {
				err = gzipError(raw, h.o.MaxJSONBytes+1, err)
			}
			return nil, readError(err, "gzip body is corrupt")
		}
		gzipReaders.Put(zr)
		if int64(len(body)) > h.o.MaxJSONBytes {
			return nil, fail(http.StatusRequestEntityTooLarge, "body expands to over %d bytes; send smaller batches", h.o.MaxJSONBytes)
		}
	default:
		return nil, fail(http.StatusUnsupportedMediaType, "Content-Encoding %q: only gzip is accepted", enc)
	}
	env, n, err := parse(body, h.o.MaxResults, h.knownDescriptor(branch))
	if err != nil {
		return nil, fail(http.StatusBadRequest, "body is not a result batch: %s", describe(body, err))
	}
	if n > h.o.MaxResults {
		return nil, fail(http.StatusRequestEntityTooLarge, "batch of %d results: at most %d per request", n, h.o.MaxResults)
	}
	if err := checkEnvelope(env); err != nil {
		return nil, fail(http.StatusBadRequest, "%v", err)
	}
	if err := h.descriptorJSON(branch, env, body); err != nil {
		return nil, err
	}
	return env, nil
}

func readError(err error, what string) error {
	if errors.Is(err, errBudget) {
		return fail(http.StatusServiceUnavailable, "the collector is decoding as much as it may at once; retry later")
	}
	return fail(http.StatusBadRequest, "%s: %v", what, err)
}

func isJSON(ct string) bool {
	if ct == "application/json" { // what agents send: no parameters to parse
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

// strict decodes one JSON value into v, refusing unknown fields and
// anything after the value, as the configuration loader refuses unknown keys.
func strict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON value")
	}
	return nil
}

// checkEnvelope bounds the fields of a batch other than its results.
func checkEnvelope(env *envelope) error {
	if len(env.Branch) > result.MaxNameLen {
		return fmt.Errorf("branch: longer than %d bytes", result.MaxNameLen)
	}
	if len(env.Agent.Version) > MaxVersionLen {
		return fmt.Errorf("agent.version: longer than %d bytes", MaxVersionLen)
	}
	if len(env.Agent.ConfigHash) > MaxConfigHashLen {
		return fmt.Errorf("agent.config_hash: longer than %d bytes", MaxConfigHashLen)
	}
	if d := env.Descriptor; d != nil {
		if len(d.Name) > result.MaxNameLen || len(d.Region) > result.MaxNameLen {
			return fmt.Errorf("descriptor.name and descriptor.region: at most %d bytes each", result.MaxNameLen)
		}
		if len(d.Devices) > MaxDevices {
			return fmt.Errorf("descriptor.devices: more than %d", MaxDevices)
		}
		for i, dev := range d.Devices {
			long := len(dev.ID) > result.MaxNameLen || len(dev.Kind) > result.MaxNameLen || len(dev.Vendor) > result.MaxNameLen || len(dev.Model) > result.MaxNameLen
			for _, c := range dev.Checks {
				long = long || len(c.Name) > result.MaxNameLen || len(c.Kind) > result.MaxNameLen
			}
			if long || len(dev.Checks) > MaxDevices {
				return fmt.Errorf("descriptor.devices[%d]: a name is longer than %d bytes or there are more than %d checks", i, result.MaxNameLen, MaxDevices)
			}
		}
	}
	return nil
}

// timeRule says what a time field must look like.
const timeRule = `must be an RFC 3339 time in a JSON string, such as "2026-11-24T08:01:00Z"`

// isTimeError reports whether err came from decoding a time.Time, which
// encoding/json reports without the field's name.
func isTimeError(err error) bool {
	var pe *time.ParseError
	return errors.As(err, &pe) || strings.HasPrefix(err.Error(), "Time.UnmarshalJSON")
}

// envelopeError words a batch decoding error; a bad time is found again to
// name its field.
func envelopeError(body []byte, err error) string {
	if !isTimeError(err) {
		return jsonError(body, err)
	}
	var times struct {
		Agent struct {
			SentAt json.RawMessage `json:"sent_at"`
			Health *struct {
				LastSweep json.RawMessage `json:"last_sweep"`
			} `json:"health"`
		} `json:"agent"`
	}
	_ = json.Unmarshal(body, &times)
	field, raw := "agent.sent_at", times.Agent.SentAt
	if h := times.Agent.Health; h != nil && new(time.Time).UnmarshalJSON(h.LastSweep) != nil && len(h.LastSweep) > 0 {
		field, raw = "agent.health.last_sweep", h.LastSweep
	}
	return fmt.Sprintf("%s %s: %s", field, clip(raw), timeRule)
}

// clip shortens a JSON value for an error message.
func clip(raw []byte) string {
	if len(raw) > 40 {
		return string(raw[:40]) + "..."
	}
	return string(raw)
}

// jsonError words a JSON error with the byte offset where it happened.
func jsonError(body []byte, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, se)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q at byte %d: must be %s, found %s", te.Field, te.Offset, jsonKind(te.Type), te.Value)
	case len(body) == 0:
		return "empty body"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Sprintf("invalid JSON at byte %d: unexpected end of JSON input", len(body))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return strings.TrimPrefix(err.Error(), "json: ") + ": not part of a result batch"
	}
	return err.Error()
}

// itemError words the decoding error of one result.
func itemError(raw []byte, err error) string {
	if isTimeError(err) {
		var t struct {
			StartedAt json.RawMessage `json:"started_at"`
		}
		_ = json.Unmarshal(raw, &t)
		return fmt.Sprintf("started_at %s: %s", clip(t.StartedAt), timeRule)
	}
	return jsonError(raw, err)
}

// jsonKind names a Go type the way a JSON author thinks of it.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	}
	return "a number"
}
