package serial

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/branchready/branchready/checks"
	"github.com/branchready/branchready/checks/usb"
)

// defaultWait bounds the reply when neither reply_timeout nor the
// context sets a deadline.
const defaultWait = 2 * time.Second

// Run finds and opens the port, sends the request once and judges the
// reply. The port is closed when Run returns or ctx ends, whichever is
// first: closing it unblocks a read that waits for a silent device.
func (c *Check) Run(ctx context.Context) checks.Outcome {
	name, out, found := c.locate(ctx)
	if !found {
		return out
	}
	raw, err := c.hw.Opener.Open(name, &c.mode)
	if err != nil {
		return checks.Fail("%s", OpenReason(name, err))
	}
	port := &once{Port: raw}
	defer port.Close()
	stop := context.AfterFunc(ctx, func() { _ = port.Close() })
	defer stop()
	d := dialogue{Check: c, ctx: ctx, name: name}
	return d.run(port)
}

// locate returns the port's name, looking the USB device up when asked.
func (c *Check) locate(ctx context.Context) (string, checks.Outcome, bool) {
	if c.usbID == nil {
		return c.port, checks.Outcome{}, true
	}
	devs, err := usb.List(ctx, c.hw.USB)
	switch {
	case ctx.Err() != nil:
		return "", checks.Unknown("listing USB devices did not finish before the check's timeout"), false
	case err != nil:
		return "", checks.Unknown("cannot list USB serial devices: %v", err), false
	}
	m := usb.Find(devs, *c.usbID, c.usbSerial)
	switch len(m.Found) {
	case 0:
		return "", checks.Fail("no serial device with USB id %s is connected%s",
			usb.Wanted(*c.usbID, c.usbSerial), m.Elsewhere()), false
	case 1:
		return m.Found[0].Port, checks.Outcome{}, true
	}
	return "", checks.Unknown("%d serial devices with USB id %s are connected (%s): set usb_serial to pick one",
		len(m.Found), c.usbID.Describe(), usb.Ports(m.Found)), false
}

// dialogue is one run's exchange on an open port.
type dialogue struct {
	*Check
	ctx  context.Context
	name string
}

func (d dialogue) run(port Port) checks.Outcome {
	_ = port.ResetInputBuffer() // a late reply to an earlier run is not this one's
	start := time.Now()
	if d.ctx.Err() != nil {
		return d.ended(nil, start)
	}
	if _, err := port.Write(d.request); err != nil {
		if d.ctx.Err() != nil {
			return d.ended(nil, start)
		}
		return checks.Fail("%s: cannot send the request: %v", d.who(), err)
	}
	r := &reader{port: port, deadline: d.deadline(start)}
	if d.echo {
		r.echo = d.request
	}
	var out checks.Outcome
	if d.frame.re != nil {
		m, err := r.text(d.frame.re)
		if err != nil {
			return d.noReply(r, err, start)
		}
		out = d.judgeText(m)
	} else {
		fr, err := r.frame(d.frame)
		if err != nil {
			return d.noReply(r, err, start)
		}
		out = d.judgeFrame(fr)
	}
	return out.Observe("reply_seconds", time.Since(start).Seconds())
}

// deadline is the earlier of reply_timeout and the context's deadline.
func (d dialogue) deadline(start time.Time) time.Time {
	dl, ok := d.ctx.Deadline()
	if d.wait > 0 && (!ok || start.Add(d.wait).Before(dl)) {
		return start.Add(d.wait)
	}
	if !ok {
		return start.Add(defaultWait)
	}
	return dl
}

// who names the device and its port: "ID-003 bill validator on /dev/ttyUSB0".
func (d dialogue) who() string { return d.noun + " on " + d.name }

// noReply explains a reply that did not come or did not make sense.
func (d dialogue) noReply(r *reader, err error, start time.Time) checks.Outcome {
	if d.ctx.Err() != nil || errors.Is(err, errTimeout) {
		return d.ended(r, start)
	}
	if errors.Is(err, errMalformed) {
		return checks.Fail("%s answered a malformed reply (%s): wrong protocol or baud rate?", d.who(), hexdump(r.buf))
	}
	return checks.Fail("%s: lost the port while waiting for the reply: device or adapter unplugged? (%v)", d.who(), err)
}

// ended explains a run that reached its deadline or was cancelled.
func (d dialogue) ended(r *reader, start time.Time) checks.Outcome {
	if errors.Is(d.ctx.Err(), context.Canceled) {
		return checks.Unknown("%s: the check was cancelled before the device answered", d.who())
	}
	within := spell(max(d.deadline(start).Sub(start), 0))
	switch {
	case r == nil:
		return checks.Fail("%s: the check's timeout passed before the request was sent", d.who())
	case len(r.buf) > 0 && d.frame.plausible != nil && !d.frame.plausible(r.buf):
		return checks.Fail("%s: not a %s reply (%s) within %s: wrong protocol or baud rate?", d.who(), d.frame.protocol, hexdump(r.buf), within)
	case len(r.buf) > 0:
		return checks.Fail("%s sent an incomplete reply (%s) within %s", d.who(), hexdump(r.buf), within)
	case len(r.noise) > 0:
		return checks.Fail("%s answered %d bytes that are not a reply (%s) within %s: wrong protocol or baud rate?",
			d.who(), len(r.noise), hexdump(r.noise), within)
	case r.echoed:
		return checks.Fail("%s did not answer within %s (the line echoed the request, so the bus is wired)", d.who(), within)
	}
	return checks.Fail("%s did not answer within %s", d.who(), within)
}

// spell renders a wait the way people say it: "500 ms", "2.5 s". Waits
// derived from the context lose a little to opening the port: rounding
// hides that.
func spell(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Round(10*time.Millisecond).Milliseconds())
	}
	return fmt.Sprintf("%g s", d.Round(100*time.Millisecond).Seconds())
}

// TimingProblems warns when reply_timeout is beyond the check's timeout:
// the check's deadline, not reply_timeout, would end the wait.
func (c *Check) TimingProblems(timeout time.Duration) []error {
	if c.wait <= timeout {
		return nil
	}
	return []error{checks.Invalid("reply_timeout",
		"%v is beyond the check's timeout (%v): the check's timeout ends the wait first; set reply_timeout below it, or raise the check's timeout above %v",
		c.wait, timeout, c.wait)}
}
