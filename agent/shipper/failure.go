package shipper

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
)

// succeeded records a request the collector acknowledged.
func (s *Shipper) succeeded(latency time.Duration, desc *string) {
	s.mu.Lock()
	failures := s.st.ConsecutiveFailures
	s.st.LastSuccess = s.o.Now()
	s.st.LastLatency = latency
	s.st.ConsecutiveFailures = 0
	if desc != nil {
		s.descSent, s.descHash = true, *desc
	}
	s.mu.Unlock()
	if failures > 0 {
		s.o.Log.Info("shipping recovered", "after_failures", failures, "spooled", s.o.Spool.Depth())
	}
}

func (s *Shipper) countStored(n int) {
	s.mu.Lock()
	s.st.Stored += uint64(n)
	s.mu.Unlock()
}

func (s *Shipper) countRejected(n int) {
	s.mu.Lock()
	s.st.Rejected += uint64(n)
	s.mu.Unlock()
}

// failed records a failure, logs it and returns how long to wait.
func (s *Shipper) failed(err error) time.Duration {
	text := s.redact(err.Error())
	var se *StatusError
	errors.As(err, &se)
	s.mu.Lock()
	s.st.ConsecutiveFailures++
	n := s.st.ConsecutiveFailures
	same := s.st.LastError == text
	s.st.LastError, s.st.LastErrorAt, s.st.LastErrorCode = text, s.o.Now(), 0
	if se != nil {
		s.st.LastErrorCode = se.Code
	}
	s.mu.Unlock()

	d := s.backoff(n)
	switch {
	case se != nil && (se.Code == http.StatusUnauthorized || se.Code == http.StatusForbidden):
		s.o.Log.Error(fmt.Sprintf("collector rejected the branch token (%d): check collector.token_file; results stay spooled", se.Code),
			"error", se.Text, "failures", n, "retry_in", s.o.MaxBackoff)
		return s.o.MaxBackoff
	case se != nil && se.RetryAfter > 0 && (se.Code == http.StatusTooManyRequests || se.Code == http.StatusServiceUnavailable):
		d = min(se.RetryAfter, s.o.MaxBackoff)
	}
	level := s.o.Log.Warn
	if same && n > 1 {
		level = s.o.Log.Debug
	}
	level("shipping failed; results stay spooled", "err", text, "failures", n, "retry_in", d.Round(time.Millisecond))
	return d
}

// backoff is exponential with full jitter: uniform between MinBackoff and
// MinBackoff·2^(n-1), capped at MaxBackoff.
func (s *Shipper) backoff(n int) time.Duration {
	ceil := s.o.MaxBackoff
	if n-1 < 30 && s.o.MinBackoff<<(n-1) < ceil {
		ceil = s.o.MinBackoff << (n - 1)
	}
	if ceil <= s.o.MinBackoff {
		return s.o.MinBackoff
	}
	return s.o.MinBackoff + rand.N(ceil-s.o.MinBackoff+1)
}

// redact removes the token from text, whatever library put it there.
func (s *Shipper) redact(text string) string {
	if t := s.o.Token.Reveal(); t != "" {
		text = strings.ReplaceAll(text, t, "<secret>")
	}
	return text
}
