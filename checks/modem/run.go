package modem

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/branchready/branchready/checks"
	"github.com/branchready/branchready/checks/serial"
	"github.com/branchready/branchready/result"
)

// dialCommand takes the line off-hook, waits for dial tone (with X4) and
// returns to command mode without dialling.
const dialCommand = "ATDT;"

// Run opens the port, holds the dialogue and always hangs up.
func (c *Check) Run(ctx context.Context) checks.Outcome {
	port, err := c.open(c.port, c.mode)
	if err != nil {
		return checks.Fail("%s", serial.OpenReason("the modem's port "+c.port, err))
	}
	finished := make(chan struct{})
	defer close(finished)
	// A write can block on a stuck port; closing it bounds Run to the
	// check's deadline plus the hang-up's own time (an abort of up to half
	// a reply timeout, then ATH0's reply timeout).
	stop := context.AfterFunc(ctx, func() {
		t := time.NewTimer(2*c.replyTimeout + time.Second)
		defer t.Stop()
		select {
		case <-t.C:
			_ = port.Close()
		case <-finished:
		}
	})
	defer stop()
	defer port.Close()
	if err := port.SetReadTimeout(poll); err != nil {
		return checks.Fail("cannot set up the modem's port %s: %v", c.port, err)
	}
	r := &dialogue{c: c, s: &session{port: port}, name: "modem on " + c.port}
	out := r.probe(ctx)
	return r.hangUp(ctx, out)
}

// dialogue is the state of one run.
type dialogue struct {
	c        *Check
	s        *session
	name     string   // `modem "USR 5637" on /dev/ttyS0` once identified
	notes    []string // what degrades an otherwise good result
	obs      map[string]float64
	answered bool // the modem answered at least once
	offHook  bool // the dial-tone test took the line off-hook
}

// probe runs the steps up to the dial-tone test and judges them.
func (r *dialogue) probe(ctx context.Context) checks.Outcome {
	if out, ok := r.handshake(ctx); !ok {
		return out
	}
	if out, ok := r.identifyModem(ctx); !ok {
		return out
	}
	if out, ok := r.lineVoltage(ctx); !ok {
		return out
	}
	if out, ok := r.lineInUse(ctx); !ok {
		return out
	}
	return r.dialTone(ctx)
}

func (r *dialogue) handshake(ctx context.Context) (checks.Outcome, bool) {
	rep, err := r.s.command(ctx, r.c.init, r.c.replyTimeout)
	switch {
	case errors.Is(err, errSilent):
		return checks.Fail("modem on %s does not answer AT", r.c.port), false
	case err != nil:
		return r.broken(ctx, r.c.init, err), false
	}
	r.answered = true
	if rep.final != "OK" {
		return checks.Fail("modem on %s answered %s to %s", r.c.port, rep.final, r.c.init), false
	}
	return checks.Outcome{}, true
}

// optional sends a command whose failure only degrades the result. It
// returns ok=false with a note when the modem refused or ignored it.
func (r *dialogue) optional(ctx context.Context, cmd string) (reply, bool, *checks.Outcome) {
	rep, err := r.s.command(ctx, cmd, r.c.replyTimeout)
	switch {
	case errors.Is(err, errSilent):
		r.note("no answer to %s", cmd)
		return rep, false, nil
	case err != nil:
		out := r.broken(ctx, cmd, err)
		return rep, false, &out
	case rep.final != "OK":
		r.note("%s not supported (answered %s)", cmd, rep.final)
		return rep, false, nil
	}
	return rep, true, nil
}

func (r *dialogue) identifyModem(ctx context.Context) (checks.Outcome, bool) {
	rep, ok, stop := r.optional(ctx, r.c.identify)
	if stop != nil {
		return *stop, false
	}
	if ok && rep.text() != "" {
		r.name = fmt.Sprintf("modem %q on %s", checks.Truncate(rep.text(), 60), r.c.port)
	}
	return checks.Outcome{}, true
}

func (r *dialogue) lineVoltage(ctx context.Context) (checks.Outcome, bool) {
	v := r.c.voltage
	if v == nil {
		return checks.Outcome{}, true
	}
	rep, ok, stop := r.optional(ctx, v.command)
	if stop != nil || !ok {
		return deref(stop), stop == nil
	}
	m := v.re.FindStringSubmatch(rep.text())
	var volts float64
	var err error
	if m != nil {
		volts, err = strconv.ParseFloat(m[1], 64)
	}
	if m == nil || err != nil {
		r.note("line voltage not measured: no voltage in %s's answer %q", v.command, checks.Truncate(rep.text(), 40))
		return checks.Outcome{}, true
	}
	volts = math.Abs(volts)
	r.observe("line_voltage_volts", volts)
	switch {
	case volts < v.noLine:
		return checks.Fail("no voltage on the line (%.1f V): the phone cable may be unplugged or the line cut", volts), false
	case volts < v.inUseBelow:
		return checks.Degraded("line in use (%.1f V): dial tone not tested, so as not to interrupt a call", volts), false
	}
	return checks.Outcome{}, true
}

func (r *dialogue) lineInUse(ctx context.Context) (checks.Outcome, bool) {
	u := r.c.inUse
	if u == nil {
		return checks.Outcome{}, true
	}
	rep, ok, stop := r.optional(ctx, u.command)
	if stop != nil || !ok {
		return deref(stop), stop == nil
	}
	if u.re.MatchString(rep.text()) {
		return checks.Degraded("line in use (%s answered %q): dial tone not tested, so as not to interrupt a call",
			u.command, checks.Truncate(rep.text(), 40)), false
	}
	return checks.Outcome{}, true
}

func (r *dialogue) dialTone(ctx context.Context) checks.Outcome {
	rep, err := r.s.command(ctx, r.c.dialUp, r.c.replyTimeout)
	switch {
	case errors.Is(err, errSilent):
		return checks.Fail("%s stopped answering (no answer to %s)", r.name, r.c.dialUp)
	case err != nil:
		return r.broken(ctx, r.c.dialUp, err)
	case rep.final != "OK":
		return checks.Degraded("%s does not support %s (answered %s): dial tone not tested", r.name, r.c.dialUp, rep.final)
	}
	r.offHook = true
	start := time.Now()
	rep, err = r.s.command(ctx, dialCommand, r.c.dialWait)
	switch {
	case errors.Is(err, errSilent):
		return checks.Fail("%s did not finish the dial-tone test within %s", r.name, r.c.dialWait)
	case err != nil:
		return r.broken(ctx, "the dial-tone test", err)
	}
	if strings.ToUpper(rep.final) == "OK" {
		r.observe("dial_tone_seconds", time.Since(start).Seconds())
		return checks.OK("%s: dial tone present", r.name)
	}
	return r.dialResult(rep.final)
}

// dialResult words every other result code a Hayes modem gives to ATDT;.
func (r *dialogue) dialResult(final string) checks.Outcome {
	switch strings.ToUpper(final) {
	case "NO DIALTONE", "NO DIAL TONE":
		return checks.Fail("no dial tone on the line (%s answered %s)", r.name, final)
	case "NO CARRIER":
		return checks.Fail("no dial tone on the line: %s answered NO CARRIER to the dial-tone test", r.name)
	case "LINE IN USE":
		return checks.Fail("the line is in use (an extension is off the hook?): %s answered LINE IN USE to the dial-tone test", r.name)
	case "BUSY":
		return checks.Fail("no dial tone on the line: %s heard a busy tone instead (answered BUSY to the dial-tone test)", r.name)
	case "NO ANSWER":
		return checks.Fail("no dial tone on the line: %s gave up waiting (answered NO ANSWER to the dial-tone test)", r.name)
	case "ERROR":
		return checks.Unknown("%s refused the dial-tone test (answered ERROR to %s): dial tone not tested", r.name, dialCommand)
	}
	return checks.Fail("%s answered %s to the dial-tone test", r.name, final)
}

// broken words a context end or an I/O error during step.
func (r *dialogue) broken(ctx context.Context, step string, err error) checks.Outcome {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return checks.Fail("%s: the check's time ran out during %s", r.name, step)
	case ctx.Err() != nil:
		return checks.Fail("%s: the check was cancelled during %s", r.name, step)
	case errors.Is(err, errChatty):
		return checks.Fail("%s: %v (during %s)", r.name, err, step)
	}
	return checks.Fail("%s: the port failed during %s: %v", r.name, step, err)
}

func (r *dialogue) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

func (r *dialogue) observe(name string, v float64) {
	if r.obs == nil {
		r.obs = map[string]float64{}
	}
	r.obs[name] = v
}

// hangUp sends ATH0 whatever happened, on a fresh short context when ctx
// is done, and folds the notes into the outcome.
func (r *dialogue) hangUp(ctx context.Context, out checks.Outcome) checks.Outcome {
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.c.replyTimeout)
	defer cancel()
	if r.s.busy {
		// Any byte aborts a command in progress (a dial waiting for tone);
		// a lone CR is that byte, so ATH0 itself arrives whole.
		_, _ = r.s.port.Write([]byte("\r"))
		_, _ = r.s.await(hctx, "", time.Now().Add(r.c.replyTimeout/2))
	}
	wait := r.c.replyTimeout
	if !r.answered {
		wait = 0 // a silent modem will not confirm; send ATH0 all the same
	}
	rep, err := r.s.command(hctx, "ATH0", wait)
	if r.offHook && (err != nil || rep.final != "OK") {
		r.note("the hang-up (ATH0) was not confirmed: the line may still be off-hook")
	}
	return r.fold(out)
}

// fold adds the notes to the reason; notes turn ok into degraded.
func (r *dialogue) fold(out checks.Outcome) checks.Outcome {
	if len(r.notes) > 0 {
		out.Reason += "; " + strings.Join(r.notes, "; ")
		if out.Status == result.StatusOK {
			out.Status = result.StatusDegraded
		}
	}
	for k, v := range r.obs {
		out = out.Observe(k, v)
	}
	return out
}

func deref(o *checks.Outcome) checks.Outcome {
	if o == nil {
		return checks.Outcome{}
	}
	return *o
}
