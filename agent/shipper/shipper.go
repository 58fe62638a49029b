package shipper

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/branchready/branchready/agent/spool"
	"github.com/branchready/branchready/config"
	"github.com/branchready/branchready/result"
)

// Spool is what the shipper needs from the durable queue (agent/spool).
type Spool interface {
	// Next returns up to n results in shipping order without removing them.
	Next(n int) ([]result.Result, error)
	// Ack removes results the collector stored.
	Ack(ids []string) error
	// Drop removes results the collector will never store, counting them
	// under reason.
	Drop(ids []string, reason string) error
	// Depth returns how many results wait.
	Depth() int
}

// ReasonRejected is the Drop reason for results the collector refused.
const ReasonRejected = "rejected"

// ReasonClock is the Drop reason for results the collector refused for
// their event time: stamped after their batch left, or out of range. The
// branch PC's clock needs fixing.
const ReasonClock = "rejected_clock"

// Defaults of Options.
const (
	DefaultBatchSize    = 500
	DefaultMinBackoff   = time.Second
	DefaultMaxBackoff   = 5 * time.Minute
	DefaultPollInterval = time.Minute
	DefaultHeartbeat    = 5 * time.Minute
	DefaultTimeout      = 30 * time.Second
)

// Options configure New.
type Options struct {
	// URL is the collector's base URL; results go to URL/api/v1/results.
	URL    string
	Token  config.Secret
	Branch string
	Spool  Spool
	// Client sends the requests; default a plain http.Client.
	Client *http.Client
	// BatchSize caps results per request; default DefaultBatchSize.
	BatchSize int
	// Agent describes the sender; its SentAt is set when a batch leaves.
	Agent func() result.Agent
	// Descriptor is sent with the first successful batch after start and
	// again whenever Agent().ConfigHash changes; nil sends none.
	Descriptor func() *result.Descriptor
	Log        *slog.Logger
	Now        func() time.Time
	// MinBackoff and MaxBackoff bound the wait after a failure; MaxBackoff
	// also caps a collector's Retry-After.
	MinBackoff, MaxBackoff time.Duration
	// PollInterval is how long an empty spool waits without a Kick.
	PollInterval time.Duration
	// Heartbeat is how long the shipper may stay silent: when the spool has
	// been empty that long it posts an empty batch, so the collector knows
	// the agent is alive. Negative disables.
	Heartbeat time.Duration
	// Timeout bounds one request, including reading the answer.
	Timeout time.Duration
	// After waits; default time.After. Tests inject one that does not sleep.
	After func(time.Duration) <-chan time.Time
	// Drained, if set, is called on the shipper's goroutine each time the
	// spool is found empty after results were delivered: a sweep's results
	// are all out, so its buffers are garbage (the agent returns the memory).
	Drained func()
}

// Status is how shipping goes, for the agent's status page and metrics.
type Status struct {
	LastSuccess time.Time
	LastError   string
	LastErrorAt time.Time
	// LastErrorCode is the HTTP status the collector answered the last
	// failed request with; 0 when no answer came (unreachable, timed out)
	// or it was a 200 that acknowledged nothing.
	LastErrorCode       int
	ConsecutiveFailures int
	// LastLatency is how long the last successful request took.
	LastLatency time.Duration
	// Stored counts results the collector stored (or had) since start;
	// Rejected those it refused for good.
	Stored, Rejected uint64
}

// Shipper moves results from the spool to the collector.
type Shipper struct {
	o    Options
	kick chan struct{}

	mu       sync.Mutex
	st       Status
	descHash string // config hash of the last descriptor the collector took
	descSent bool
}

// New returns a shipper; Run starts it.
func New(o Options) *Shipper {
	o.URL = strings.TrimSuffix(o.URL, "/")
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.Agent == nil {
		o.Agent = func() result.Agent { return result.Agent{} }
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.MinBackoff = cmp(o.MinBackoff, DefaultMinBackoff)
	o.MaxBackoff = max(cmp(o.MaxBackoff, DefaultMaxBackoff), o.MinBackoff)
	o.PollInterval = cmp(o.PollInterval, DefaultPollInterval)
	o.Heartbeat = cmp(o.Heartbeat, DefaultHeartbeat)
	o.Timeout = cmp(o.Timeout, DefaultTimeout)
	if o.After == nil {
		o.After = time.After
	}
	return &Shipper{o: o, kick: make(chan struct{}, 1)}
}

// cmp returns d, or def when d is zero.
func cmp(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// Kick tells the shipper new results are spooled. It never blocks.
func (s *Shipper) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Status returns a snapshot of how shipping goes.
func (s *Shipper) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

// Run ships until ctx ends, then returns ctx's error.
func (s *Shipper) Run(ctx context.Context) error {
	delivered := false
	for {
		more, err := s.round(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var d time.Duration
		var kick <-chan struct{}
		switch {
		case err != nil:
			d = s.failed(err)
		case more:
			delivered = true
			continue
		default:
			if delivered && s.o.Drained != nil {
				s.o.Drained()
			}
			delivered = false
			d, kick = s.o.PollInterval, s.kick
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.o.After(d):
		case <-kick:
		}
	}
}

// round ships one batch and reports whether the spool may hold more.
func (s *Shipper) round(ctx context.Context) (more bool, err error) {
	rs, err := s.next()
	if err != nil {
		return false, err
	}
	if len(rs) == 0 {
		if s.heartbeatDue() {
			_, err = s.ship(ctx, rs, nil)
		}
		return false, err
	}
	if err := s.deliver(ctx, rs); err != nil {
		return false, err
	}
	return true, nil
}

// heartbeatDue reports whether an empty batch should go out: the collector
// has not seen the descriptor yet, or has not heard from us for a while.
func (s *Shipper) heartbeatDue() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.descPending() {
		return true
	}
	return s.o.Heartbeat > 0 && s.o.Now().Sub(s.st.LastSuccess) >= s.o.Heartbeat
}

// recordSpool is a Spool that hands out results as stored (agent/spool).
type recordSpool interface {
	NextRecords(n int) ([]spool.Record, error)
}

// next takes the next batch from the spool, as stored when it can.
func (s *Shipper) next() ([]spool.Record, error) {
	if rs, ok := s.o.Spool.(recordSpool); ok {
		return rs.NextRecords(s.o.BatchSize)
	}
	results, err := s.o.Spool.Next(s.o.BatchSize)
	if err != nil {
		return nil, err
	}
	out := make([]spool.Record, 0, len(results))
	for i := range results {
		b, err := json.Marshal(&results[i])
		if err != nil {
			return nil, fmt.Errorf("encode result %s: %w", results[i].ID, err)
		}
		out = append(out, spool.Record{ID: results[i].ID, JSON: b})
	}
	return out, nil
}
