package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

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
	// DefaultMaxDecodeBytes bounds the bytes being decoded at once across
	// all requests (decoding holds a few times that in memory).
	DefaultMaxDecodeBytes = 256 << 20
	// DefaultMaxAge and DefaultMaxAhead frame the event times accepted
	// around the receive time, after skew correction: a spool may deliver
	// results weeks late, never from the future.
	DefaultMaxAge   = 30 * 24 * time.Hour
	DefaultMaxAhead = 10 * time.Minute
	// DefaultFutureTolerance is how far a result's event time may lie after
	// its batch's sent_at (both on the agent's clock) before it is refused.
	DefaultFutureTolerance = time.Minute
)

// Writer is the part of the store ingest needs.
type Writer interface {
	WriteResults(ctx context.Context, rs []result.Result, receivedAt time.Time) (inserted, duplicates int, err error)
	PutBranch(ctx context.Context, id string, d *result.Descriptor, c store.Contact) error
}

// BatchWriter is a store that commits a request's results and its
// branch's contact in one transaction (SQLite): a request then waits for
// one commit instead of two. Stores without it get WriteResults, then
// PutBranch.
type BatchWriter interface {
	WriteBatch(ctx context.Context, branch string, rs []result.Result, receivedAt time.Time, d *result.Descriptor, c store.Contact) (inserted, duplicates int, err error)
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
	// Stored, if set, is handed the batch's accepted results once the
	// results and the contact are committed (the alert engine).
	Stored       func(ctx context.Context, branch string, rs []result.Result)
	MaxBodyBytes int64
	MaxJSONBytes int64
	MaxResults   int
	// MaxDecodeBytes bounds the bytes all requests decode at once.
	MaxDecodeBytes int64
	// MaxAge and MaxAhead bound a result's corrected event time around the
	// receive time; FutureTolerance bounds it after its batch's sent_at.
	MaxAge, MaxAhead, FutureTolerance time.Duration

	// Contacted, if set, is handed what was committed for the branch (its
	// decoded descriptor, nil when the batch had none, and its contact)
	// before Judge: the collector's branch directory takes it
	// without reading the store, and a judgement the batch starts finds
	// its descriptor there. It must not change d or c.Health.
	Contacted func(branch string, d *result.Descriptor, c store.Contact)
	// Judge, if set, is handed each committed batch's contact and results
	// (event times corrected), so that the readiness engine judges the
	// branch from memory. It returns the batch's stored_at: a judgement
	// made at or after it includes the batch, and the branch is judged
	// again at or after it (the engine reads it as it marks the branch;
	// taken here afterwards, a refresh in between would leave judged_at
	// before it). Zero: stored_at is taken after it returns. fresh is
	// false when the store already held some of the results (a retried
	// batch).
	Judge func(branch string, c store.Contact, rs []result.Result, fresh bool) (storedAt time.Time)
}

// Handler serves POST /api/v1/results.
type Handler struct {
	o      Options
	budget *budget
	// decoding holds a token for each request decoding its body (gunzip,
	// parse) from memory: as many as there are processors. Sixty-four
	// agents posting at once otherwise put sixty-four runnable goroutines
	// in front of everything else the collector runs, a person's page
	// among them, and each of its store reads waited behind the queue again.
	// The network read comes before it, so a slow agent holds no token.
	decoding chan struct{}
	c        counters
	// skew holds each branch's clock-skew gauge (prometheus.Gauge): the
	// vector's lookup checks and hashes the label byte by byte and takes
	// its lock, for every request.
	skew sync.Map
	// held holds, per branch, the descriptor decoded last for it
	// (heldDescriptor), for a DescriptorJSONWriter store.
	held sync.Map
}

// skewGauge returns branch's gauge of branchready_agent_clock_skew_seconds.
func (h *Handler) skewGauge(branch string) prometheus.Gauge {
	if g, ok := h.skew.Load(branch); ok {
		return g.(prometheus.Gauge)
	}
	g := h.o.Metrics.AgentClockSkew.WithLabelValues(branch)
	h.skew.Store(branch, g)
	return g
}

// counters are the metrics every request touches, looked up once: each
// WithLabelValues hashes its labels and takes a lock.
type counters struct {
	ok                                     prometheus.Counter // requests answered 200
	rejected, duplicate, stored, corrected prometheus.Counter // results
}

// add adds n to c, if there is anything to add: an Add of 0 still writes
// the counter, a cache line both cores then pass back and forth.
func add(c prometheus.Counter, n int) {
	if n != 0 {
		c.Add(float64(n))
	}
}

func newCounters(m *metrics.Metrics) counters {
	if m == nil {
		return counters{}
	}
	r := m.IngestResults
	return counters{ok: m.IngestRequests.WithLabelValues(strconv.Itoa(http.StatusOK)),
		rejected: r.WithLabelValues("rejected"), duplicate: r.WithLabelValues("duplicate"),
		stored: r.WithLabelValues("stored"), corrected: r.WithLabelValues(outcomeTimeCorrected)}
}

// request is what one request needs besides its results, in one
// allocation: the body's readers and the answer.
type request struct {
	rd    reading
	resp  result.IngestResponse
	reply [128]byte
}

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
	if o.MaxDecodeBytes == 0 {
		o.MaxDecodeBytes = DefaultMaxDecodeBytes
	}
	if o.MaxAge == 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.MaxAhead == 0 {
		o.MaxAhead = DefaultMaxAhead
	}
	if o.FutureTolerance == 0 {
		o.FutureTolerance = DefaultFutureTolerance
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Handler{o: o, budget: &budget{max: o.MaxDecodeBytes}, decoding: make(chan struct{}, max(2, runtime.GOMAXPROCS(0))),
		c: newCounters(o.Metrics)}
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

// requests are reused: one is about 600 bytes, and nothing refers to it
// once its answer is written.
var requests = sync.Pool{New: func() any { return new(request) }}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := requests.Get().(*request)
	defer func() {
		*q = request{}
		requests.Put(q)
	}()
	resp, err := h.serve(r, q)
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
		writeResponse(w, resp, q.reply[:0])
	}
	switch {
	case h.o.Metrics == nil:
	case code == http.StatusOK:
		h.c.ok.Inc()
	default:
		h.o.Metrics.IngestRequests.WithLabelValues(strconv.Itoa(code)).Inc()
	}
}

func (h *Handler) serve(r *http.Request, q *request) (*result.IngestResponse, error) {
	if r.Method != http.MethodPost {
		return nil, fail(http.StatusMethodNotAllowed, "use POST")
	}
	branch, err := h.o.Tokens.Branch(r)
	if err != nil {
		return nil, fail(http.StatusUnauthorized, "%v", err)
	}
	defer q.rd.release()
	env, err := h.decode(r, branch, &q.rd)
	if err != nil {
		return nil, err
	}
	if env.Branch != branch {
		return nil, fail(http.StatusForbidden, "the token of branch %q may not write branch %q", branch, env.Branch)
	}
	now := h.o.Now()
	w, err := h.window(now, env.Agent.SentAt)
	if err != nil {
		return nil, err
	}
	resp := &q.resp
	sent := len(env.Results)
	good, n := h.validate(branch, env.Results, env.bad, w, resp)
	env.Results, env.bad = nil, nil // good holds the results now
	q.rd.release()                  // the items are decoded; the raw body is no longer needed
	m := h.o.Metrics
	if m != nil {
		m.IngestBatchSize.Observe(float64(sent))
		add(h.c.rejected, len(resp.Rejected))
		add(h.c.duplicate, resp.Duplicates)
		for outcome, c := range n {
			m.IngestResults.WithLabelValues(outcome).Add(float64(c))
		}
	}
	if n[outcomeFuture] > 0 || n[outcomeOutOfRange] > 0 {
		h.o.Log.Warn("results refused for their event time", "branch", branch, "future", n[outcomeFuture],
			"out_of_range", n[outcomeOutOfRange], "sent_at", env.Agent.SentAt, "error", resp.Rejected[0].Error)
	}
	skew := w.skew
	if w.correct && m != nil {
		h.c.corrected.Add(float64(len(good)))
	}
	if h.o.Discard {
		resp.Accepted = len(good)
		return resp, nil
	}
	if hl := env.Agent.Health; hl != nil {
		// The depth was taken with this batch still in the spool; once this
		// answer reaches the agent, the batch leaves it.
		hl.SpoolDepth = max(0, hl.SpoolDepth-sent)
	}
	contact := store.Contact{At: now, AgentVersion: env.Agent.Version, ConfigHash: env.Agent.ConfigHash, Health: env.Agent.Health, ClockSkew: skew}
	if err := h.store(r.Context(), branch, good, now, env, contact, resp); err != nil {
		return nil, err
	}
	if h.o.Contacted != nil {
		h.o.Contacted(branch, env.Descriptor, contact)
	}
	if h.o.Judge != nil {
		if resp.StoredAt = h.o.Judge(branch, contact, good, resp.Accepted == len(good)); resp.StoredAt.IsZero() {
			resp.StoredAt = h.o.Now()
		}
	}
	if m != nil {
		h.skewGauge(branch).Set(contact.ClockSkew.Seconds())
	}
	if h.o.Stored != nil && len(good) > 0 {
		h.o.Stored(r.Context(), branch, good)
	}
	return resp, nil
}

// store writes the accepted results, then the branch's contact: a reader
// that sees the new contact (another collector's readiness cache keys on
// it) finds the results. It adds the stored and duplicate counts to resp.
func (h *Handler) store(ctx context.Context, branch string, good []result.Result, now time.Time, env *envelope, c store.Contact, resp *result.IngestResponse) error {
	start := time.Now()
	var ins, dup int
	d := env.Descriptor
	if jw, ok := h.o.Store.(DescriptorJSONWriter); ok {
		var err error
		if ins, dup, err = jw.WriteBatchJSON(ctx, branch, good, now, env.descJSON, env.descSum, c); err != nil {
			h.o.Log.Error("store results and contact", "branch", branch, "results", len(good), "err", err)
			return fail(http.StatusServiceUnavailable, "store unavailable; nothing was stored, retry later")
		}
	} else if bw, ok := h.o.Store.(BatchWriter); ok {
		var err error
		if ins, dup, err = bw.WriteBatch(ctx, branch, good, now, d, c); err != nil {
			h.o.Log.Error("store results and contact", "branch", branch, "results", len(good), "err", err)
			return fail(http.StatusServiceUnavailable, "store unavailable; nothing was stored, retry later")
		}
	} else {
		if len(good) > 0 {
			var err error
			if ins, dup, err = h.o.Store.WriteResults(ctx, good, now); err != nil {
				h.o.Log.Error("store results", "branch", branch, "results", len(good), "err", err)
				return fail(http.StatusServiceUnavailable, "store unavailable; nothing was stored, retry later")
			}
		}
		if err := h.o.Store.PutBranch(ctx, branch, d, c); err != nil {
			h.o.Log.Error("store branch contact", "branch", branch, "err", err)
			return fail(http.StatusServiceUnavailable, "store unavailable; retry later (results already stored are not stored twice)")
		}
	}
	resp.Accepted = ins
	resp.Duplicates += dup
	// Taken after the commit; Judge, when set, gives the moment from which
	// the readiness engine's judgements include the batch.
	resp.StoredAt = h.o.Now()
	if m := h.o.Metrics; m != nil && len(good) > 0 {
		m.StoreWriteSeconds.Observe(time.Since(start).Seconds())
		add(h.c.stored, ins)
		add(h.c.duplicate, dup)
	}
	return nil
}
