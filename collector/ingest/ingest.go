package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/metrics"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// Limits of one request, overridable in Options.
const (
	DefaultMaxBodyBytes = 8 << 20  // as sent (possibly gzipped)
	DefaultMaxJSONBytes = 32 << 20 // after gunzip
	DefaultMaxResults   = 5000
)

// Writer is the part of the store ingest needs.
type Writer interface {
	WriteResults(ctx context.Context, rs []result.Result, receivedAt time.Time) (inserted, duplicates int, err error)
	PutBranch(ctx context.Context, id string, d *result.Descriptor, c store.Contact) error
}

// Options configure the handler.
type Options struct {
	Store   Writer
	Tokens  *auth.Tokens
	Metrics *metrics.Metrics
	Log     *slog.Logger
	Now     func() time.Time
	// Discard decodes and validates batches but stores nothing: the
	// baseline the load generator compares the store against.
	Discard bool
	// SkewThreshold: when an agent's clock is off by more than this, its
	// results' event times are corrected by the measured offset so that
	// they land where they happened on the collector's clock.
	SkewThreshold time.Duration
	// Changed is called after a branch's results or descriptor were stored.
	Changed func(branch string)
	// Stored, if set, is handed the batch's accepted results once the
	// results and the contact are committed (the alert engine).
	Stored       func(ctx context.Context, branch string, rs []result.Result)
	MaxBodyBytes int64
	MaxJSONBytes int64
	MaxResults   int
}

// Handler serves POST /api/v1/results.
type Handler struct{ o Options }

// New returns the ingest handler.
func New(o Options) *Handler {
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxJSONBytes == 0 {
		o.MaxJSONBytes = DefaultMaxJSONBytes
	}
	if o.MaxResults == 0 {
		o.MaxResults = DefaultMaxResults
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Changed == nil {
		o.Changed = func(string) {}
	}
	return &Handler{o: o}
}

// envelope is a Batch whose items are decoded one by one, so that one bad
// item does not spoil the rest.
type envelope struct {
	Branch     string             `json:"branch"`
	Agent      result.Agent       `json:"agent"`
	Descriptor *result.Descriptor `json:"descriptor"`
	Results    []json.RawMessage  `json:"results"`
}

// httpError is an answer for the whole request.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func fail(code int, format string, args ...any) *httpError {
	return &httpError{code, fmt.Sprintf(format, args...)}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	resp, err := h.serve(r)
	code := http.StatusOK
	if err != nil {
		var he *httpError
		if !errors.As(err, &he) {
			he = fail(http.StatusInternalServerError, "internal error")
		}
		code = he.code
		switch code {
		case http.StatusUnauthorized:
			w.Header().Set("WWW-Authenticate", `Bearer realm="branchready"`)
		case http.StatusServiceUnavailable:
			w.Header().Set("Retry-After", "5")
		}
		writeJSON(w, code, map[string]string{"error": he.msg})
	} else {
		writeJSON(w, code, resp)
	}
	if h.o.Metrics != nil {
		h.o.Metrics.IngestRequests.WithLabelValues(strconv.Itoa(code)).Inc()
	}
}

func (h *Handler) serve(r *http.Request) (*result.IngestResponse, error) {
	if r.Method != http.MethodPost {
		return nil, fail(http.StatusMethodNotAllowed, "use POST")
	}
	branch, err := h.o.Tokens.Branch(r)
	if err != nil {
		return nil, fail(http.StatusUnauthorized, "%v", err)
	}
	env, err := h.decode(r)
	if err != nil {
		return nil, err
	}
	if env.Branch != branch {
		return nil, fail(http.StatusForbidden, "the token of branch %q may not write branch %q", branch, env.Branch)
	}
	now := h.o.Now()
	good, resp := h.validate(branch, env.Results)
	var skew time.Duration
	if !env.Agent.SentAt.IsZero() {
		skew = now.Sub(env.Agent.SentAt)
	}
	if h.o.SkewThreshold > 0 && (skew > h.o.SkewThreshold || -skew > h.o.SkewThreshold) {
		for i := range good {
			good[i].StartedAt = good[i].StartedAt.Add(skew)
			good[i].Reason = corrected(good[i].Reason, skew)
		}
		if h.o.Metrics != nil {
			h.o.Metrics.IngestResults.WithLabelValues("time_corrected").Add(float64(len(good)))
		}
	}
	m := h.o.Metrics
	if m != nil {
		m.IngestBatchSize.Observe(float64(len(env.Results)))
		m.IngestResults.WithLabelValues("rejected").Add(float64(len(resp.Rejected)))
	}
	if h.o.Discard {
		resp.Accepted = len(good)
		return resp, nil
	}
	// Results first, then the contact: a reader that sees the new contact
	// (another collector's readiness cache keys on it) finds the results.
	if len(good) > 0 {
		start := time.Now()
		ins, dup, err := h.o.Store.WriteResults(r.Context(), good, now)
		if err != nil {
			h.o.Log.Error("store results", "branch", branch, "results", len(good), "err", err)
			return nil, fail(http.StatusServiceUnavailable, "store unavailable; nothing was stored, retry later")
		}
		resp.Accepted = ins
		resp.Duplicates += dup
		if m != nil {
			m.StoreWriteSeconds.Observe(time.Since(start).Seconds())
			m.IngestResults.WithLabelValues("stored").Add(float64(ins))
			m.IngestResults.WithLabelValues("duplicate").Add(float64(dup))
		}
	}
	if hl := env.Agent.Health; hl != nil {
		// The depth was taken with this batch still in the spool; once this
		// answer reaches the agent, the batch leaves it.
		hl.SpoolDepth = max(0, hl.SpoolDepth-len(env.Results))
	}
	contact := store.Contact{At: now, AgentVersion: env.Agent.Version, ConfigHash: env.Agent.ConfigHash, Health: env.Agent.Health, ClockSkew: skew}
	if err := h.o.Store.PutBranch(r.Context(), branch, env.Descriptor, contact); err != nil {
		h.o.Log.Error("store branch contact", "branch", branch, "err", err)
		return nil, fail(http.StatusServiceUnavailable, "store unavailable; retry later (results already stored are not stored twice)")
	}
	if m != nil {
		m.AgentClockSkew.WithLabelValues(branch).Set(contact.ClockSkew.Seconds())
	}
	h.o.Changed(branch)
	if h.o.Stored != nil && len(good) > 0 {
		h.o.Stored(r.Context(), branch, good)
	}
	return resp, nil
}

// decode reads the (possibly gzipped) body within the size limits.
func (h *Handler) decode(r *http.Request) (*envelope, error) {
	if r.ContentLength > h.o.MaxBodyBytes {
		return nil, fail(http.StatusRequestEntityTooLarge, "body of %d bytes: at most %d bytes per request; send smaller batches", r.ContentLength, h.o.MaxBodyBytes)
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, h.o.MaxBodyBytes+1))
	if err != nil {
		return nil, fail(http.StatusBadRequest, "reading body: %v", err)
	}
	if int64(len(raw)) > h.o.MaxBodyBytes {
		return nil, fail(http.StatusRequestEntityTooLarge, "body over %d bytes; send smaller batches", h.o.MaxBodyBytes)
	}
	body := raw
	switch enc := r.Header.Get("Content-Encoding"); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fail(http.StatusBadRequest, "Content-Encoding gzip but the body is not gzip: %v", err)
		}
		body, err = io.ReadAll(io.LimitReader(zr, h.o.MaxJSONBytes+1))
		if err != nil {
			return nil, fail(http.StatusBadRequest, "gzip body is corrupt: %v", err)
		}
		if int64(len(body)) > h.o.MaxJSONBytes {
			return nil, fail(http.StatusRequestEntityTooLarge, "body expands to over %d bytes; send smaller batches", h.o.MaxJSONBytes)
		}
	default:
		return nil, fail(http.StatusUnsupportedMediaType, "Content-Encoding %q: only gzip is accepted", enc)
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fail(http.StatusBadRequest, "body is not a result batch: %s", jsonError(body, err))
	}
	if len(env.Results) > h.o.MaxResults {
		return nil, fail(http.StatusRequestEntityTooLarge, "batch of %d results: at most %d per request", len(env.Results), h.o.MaxResults)
	}
	return &env, nil
}

// jsonError words a JSON error with the byte offset where it happened.
func jsonError(body []byte, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var pe *time.ParseError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, se)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q at byte %d: must be %s, found %s", te.Field, te.Offset, jsonKind(te.Type), te.Value)
	case errors.As(err, &pe):
		return fmt.Sprintf("started_at %q: must be an RFC 3339 time such as 2026-11-24T08:01:00Z", pe.Value)
	case len(body) == 0:
		return "empty body"
	}
	return err.Error()
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

// validate decodes each item; bad ones are listed, good ones returned.
func (h *Handler) validate(branch string, items []json.RawMessage) ([]result.Result, *result.IngestResponse) {
	resp := &result.IngestResponse{}
	good := make([]result.Result, 0, len(items))
	seen := make(map[string]bool, len(items))
	for i, raw := range items {
		var res result.Result
		if err := json.Unmarshal(raw, &res); err != nil {
			resp.Rejected = append(resp.Rejected, result.Rejection{Index: i, Error: jsonError(raw, err)})
			continue
		}
		if err := res.Validate(); err != nil {
			resp.Rejected = append(resp.Rejected, result.Rejection{Index: i, ID: res.ID, Error: err.Error()})
			continue
		}
		if res.Branch != branch {
			resp.Rejected = append(resp.Rejected, result.Rejection{Index: i, ID: res.ID,
				Error: fmt.Sprintf("branch %q: the token of branch %q may not write it", res.Branch, branch)})
			continue
		}
		if seen[res.ID] {
			resp.Duplicates++
			continue
		}
		seen[res.ID] = true
		res.StartedAt = res.StartedAt.UTC()
		good = append(good, res)
	}
	return good, resp
}

// corrected appends to a reason that its time was moved, so that whoever
// reads the result (board, API, alerts) knows the time shown is not the
// agent's own.
func corrected(reason string, skew time.Duration) string {
	way, moved := "slow", "later"
	if skew < 0 {
		way, moved = "fast", "earlier"
	}
	d := skew.Abs().Round(time.Second)
	note := fmt.Sprintf("time corrected: the agent's clock was %v %s, so this is placed %v %s", d, way, d, moved)
	if reason == "" {
		return note
	}
	if n := result.MaxReasonLen - len(note) - 3; len(reason) > n {
		reason = strings.ToValidUTF8(reason[:max(0, n)], "")
	}
	return reason + " (" + note + ")"
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
