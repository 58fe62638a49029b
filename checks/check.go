package checks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/branchready/branchready/result"
)

// Check is one compiled probe of one device.
type Check interface {
	// Run probes the device once. It must return by the time ctx is done,
	// releasing any port or socket it opened (a modem hangs up first: the
	// runner waits a few seconds for that). A reply still arriving when
	// ctx ends is not judged: the outcome is the timeout, naming the step.
	Run(ctx context.Context) Outcome
}

// Timed is implemented by checks that run their own timers (a dial
// timeout, a series of pings, a reply timeout) inside the check's deadline,
// so that validate can warn when they cannot fit.
type Timed interface {
	// TimingProblems returns, as FieldErrors naming the option, each wait
	// that cannot work within the check's timeout, with the fix.
	TimingProblems(timeout time.Duration) []error
}

// Outcome is what a check run found.
type Outcome struct {
	Status       result.Status
	Reason       string
	Observations map[string]float64
}

// OK, Degraded, Fail and Unknown build outcomes with a formatted reason.
func OK(format string, args ...any) Outcome { return outcome(result.StatusOK, format, args) }

// Degraded builds a degraded outcome.
func Degraded(format string, args ...any) Outcome {
	return outcome(result.StatusDegraded, format, args)
}

// Fail builds a failed outcome.
func Fail(format string, args ...any) Outcome { return outcome(result.StatusFail, format, args) }

// Unknown builds an outcome whose status could not be determined.
func Unknown(format string, args ...any) Outcome { return outcome(result.StatusUnknown, format, args) }

func outcome(s result.Status, format string, args []any) Outcome {
	return Outcome{Status: s, Reason: fmt.Sprintf(format, args...)}
}

// Observe adds a numeric observation and returns o for chaining.
func (o Outcome) Observe(name string, v float64) Outcome {
	if o.Observations == nil {
		o.Observations = map[string]float64{}
	}
	o.Observations[name] = v
	return o
}

// Target names what a check probes, for reasons and logs.
type Target struct {
	Branch, Device, Check string
}

// FieldError is a configuration problem in one option of a check kind.
// Factories return them (joined with errors.Join when there are several) so
// that the caller can report the full path and line of each.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Invalid reports that option field breaks a rule.
func Invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Problems is an accumulator for factory errors.
type Problems struct{ errs []error }

// Addf records a problem with one option.
func (p *Problems) Addf(field, format string, args ...any) {
	p.errs = append(p.errs, Invalid(field, format, args...))
}

// Add records an error (nil is ignored), prefixing FieldErrors with prefix.
func (p *Problems) Add(prefix string, err error) {
	for _, e := range Flatten(err) {
		var fe *FieldError
		if errors.As(e, &fe) && prefix != "" {
			p.errs = append(p.errs, &FieldError{Field: prefix + "." + fe.Field, Msg: fe.Msg})
			continue
		}
		if e != nil {
			p.errs = append(p.errs, e)
		}
	}
}

// Err returns the collected problems as one error, or nil.
func (p *Problems) Err() error { return errors.Join(p.errs...) }

// Flatten splits an errors.Join tree into its leaves.
func Flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, Flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// Truncate shortens a device's reply for inclusion in a reason.
func Truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
