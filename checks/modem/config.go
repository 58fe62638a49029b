package modem

import (
	"regexp"
	"strings"
	"time"

	"github.com/branchready/branchready/checks"
)

// Config is the modem kind's options.
type Config struct {
	Port     string `yaml:"port" doc:"Serial port of the modem, e.g. /dev/ttyS0, /dev/ttyACM0 or COM3."`
	BaudRate int    `yaml:"baud_rate" doc:"Line speed in bit/s; default 115200."`
	DataBits int    `yaml:"data_bits" doc:"5, 6, 7 or 8; default 8."`
	Parity   string `yaml:"parity" doc:"none (default), odd, even, mark or space."`
	StopBits string `yaml:"stop_bits" doc:"1 (default), 1.5 or 2."`
	// Init is the handshake; ATZ also resets settings a previous run left.
	Init     string `yaml:"init" doc:"Handshake command that must answer OK; default ATZ (use AT to avoid resetting the modem)."`
	Identify string `yaml:"identify" doc:"Command whose answer names the modem in reasons; default ATI (AT+GMM on many USB modems)."`
	// LineVoltage and LineInUse run before the modem goes off-hook, so that
	// the check never interrupts a call on the line.
	LineVoltage   *LineVoltage  `yaml:"line_voltage" doc:"Measure the line voltage before going off-hook (modems with AT-TRV or similar)."`
	LineInUse     *LineInUse    `yaml:"line_in_use" doc:"Ask the modem whether the line is in use before going off-hook."`
	DialToneSetup string        `yaml:"dial_tone_setup" doc:"Command that makes the modem wait for dial tone before dialling; default ATX4."`
	ReplyTimeout  time.Duration `yaml:"reply_timeout" doc:"Time to wait for the answer to one command (and for the hang-up); default 2s."`
	DialTimeout   time.Duration `yaml:"dial_timeout" doc:"Time to wait for the dial-tone test (ATDT;) to end; default 10s."`
}

// LineVoltage reads the on-hook line voltage: about 48 V on an idle line,
// a few volts while an extension is off-hook, none when the line is dead.
type LineVoltage struct {
	Command     string  `yaml:"command" doc:"Command that reports the line voltage; default AT-TRV."`
	Regex       string  `yaml:"regex" doc:"Regular expression whose first group is the voltage in the answer; default the first number."`
	InUseBelow  float64 `yaml:"in_use_below" doc:"Volts (absolute) below which the line is in use; default 15."`
	NoLineBelow float64 `yaml:"no_line_below" doc:"Volts (absolute) below which there is no line at all (fail); default 2."`
}

// LineInUse asks the modem a vendor command whose answer tells whether
// another phone on the line is off-hook.
type LineInUse struct {
	Command string `yaml:"command" doc:"Command to send, e.g. AT#CLS? or a vendor line-status query."`
	Regex   string `yaml:"regex" doc:"Regular expression; an answer matching it means the line is in use."`
}

// Defaults for unset options.
const (
	DefaultBaudRate      = 115200
	DefaultInit          = "ATZ"
	DefaultIdentify      = "ATI"
	DefaultDialToneSetup = "ATX4"
	DefaultVoltage       = "AT-TRV"
	DefaultReplyTimeout  = 2 * time.Second
	DefaultDialTimeout   = 10 * time.Second
	defaultVoltageRegex  = `(-?\d+(?:\.\d+)?)`
	defaultInUseBelow    = 15
	defaultNoLineBelow   = 2
)

// Check is a compiled modem check.
type Check struct {
	port                   string
	mode                   Mode
	init, identify, dialUp string
	voltage                *voltage
	inUse                  *inUse
	replyTimeout, dialWait time.Duration
	open                   Opener
}

type voltage struct {
	command            string
	re                 *regexp.Regexp
	inUseBelow, noLine float64
}

type inUse struct {
	command string
	re      *regexp.Regexp
}

// Option adjusts how New builds a Check.
type Option func(*Check)

// WithOpener sets how the port is opened; the default is SerialOpener.
func WithOpener(o Opener) Option { return func(c *Check) { c.open = o } }

// New validates c and builds a Check. It does no I/O.
func New(c Config, opts ...Option) (*Check, error) {
	var p checks.Problems
	chk := &Check{
		port:         c.Port,
		mode:         lineMode(&p, c),
		init:         command(&p, "init", c.Init, DefaultInit),
		identify:     command(&p, "identify", c.Identify, DefaultIdentify),
		dialUp:       command(&p, "dial_tone_setup", c.DialToneSetup, DefaultDialToneSetup),
		replyTimeout: duration(&p, "reply_timeout", c.ReplyTimeout, DefaultReplyTimeout),
		dialWait:     duration(&p, "dial_timeout", c.DialTimeout, DefaultDialTimeout),
		voltage:      compileVoltage(&p, c.LineVoltage),
		inUse:        compileInUse(&p, c.LineInUse),
		open:         SerialOpener,
	}
	if c.Port == "" {
		p.Addf("port", "must be set, e.g. /dev/ttyS0 or COM3")
	}
	for _, o := range opts {
		o(chk)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return chk, nil
}

func lineMode(p *checks.Problems, c Config) Mode {
	m := Mode{BaudRate: c.BaudRate, DataBits: c.DataBits, Parity: c.Parity, StopBits: c.StopBits}
	if m.BaudRate == 0 {
		m.BaudRate = DefaultBaudRate
	} else if m.BaudRate < 0 {
		p.Addf("baud_rate", "%d: must be > 0", m.BaudRate)
	}
	if m.DataBits == 0 {
		m.DataBits = 8
	} else if m.DataBits < 5 || m.DataBits > 8 {
		p.Addf("data_bits", "%d: must be 5, 6, 7 or 8", m.DataBits)
	}
	if m.Parity == "" {
		m.Parity = "none"
	} else if _, ok := parities[m.Parity]; !ok {
		p.Addf("parity", "%q: must be none, odd, even, mark or space", m.Parity)
	}
	if m.StopBits == "" {
		m.StopBits = "1"
	} else if _, ok := stopBits[m.StopBits]; !ok {
		p.Addf("stop_bits", "%q: must be 1, 1.5 or 2", m.StopBits)
	}
	return m
}

// command checks that an option is an AT command on one line.
func command(p *checks.Problems, field, v, def string) string {
	if v == "" {
		return def
	}
	if !strings.HasPrefix(strings.ToUpper(v), "AT") || strings.ContainsAny(v, "\r\n") {
		p.Addf(field, "%q: must be one AT command, e.g. %s", v, def)
	}
	return v
}

func duration(p *checks.Problems, field string, v, def time.Duration) time.Duration {
	if v == 0 {
		return def
	}
	if v < 0 {
		p.Addf(field, "%v: must be > 0", v)
	}
	return v
}

func compileVoltage(p *checks.Problems, c *LineVoltage) *voltage {
	if c == nil {
		return nil
	}
	v := &voltage{
		command:    command(p, "line_voltage.command", c.Command, DefaultVoltage),
		inUseBelow: c.InUseBelow, noLine: c.NoLineBelow,
	}
	if v.inUseBelow == 0 {
		v.inUseBelow = defaultInUseBelow
	}
	if v.noLine == 0 {
		v.noLine = defaultNoLineBelow
	}
	if v.inUseBelow < 0 || v.noLine < 0 {
		p.Addf("line_voltage", "in_use_below and no_line_below must not be negative")
	} else if v.noLine > v.inUseBelow {
		p.Addf("line_voltage.no_line_below", "%g: must not exceed in_use_below (%g)", v.noLine, v.inUseBelow)
	}
	expr := c.Regex
	if expr == "" {
		expr = defaultVoltageRegex
	}
	re, err := regexp.Compile(expr)
	switch {
	case err != nil:
		p.Addf("line_voltage.regex", "%q: invalid regular expression: %v", expr, err)
	case re.NumSubexp() < 1:
		p.Addf("line_voltage.regex", "%q: needs a capture group around the voltage", expr)
	}
	v.re = re
	return v
}

func compileInUse(p *checks.Problems, c *LineInUse) *inUse {
	if c == nil {
		return nil
	}
	u := &inUse{}
	if c.Command == "" {
		p.Addf("line_in_use.command", "must be set to the modem's line-status command")
	} else {
		u.command = command(p, "line_in_use.command", c.Command, "AT#CLS?")
	}
	if c.Regex == "" {
		p.Addf("line_in_use.regex", "must be set to what the modem answers while the line is in use")
		return u
	}
	re, err := regexp.Compile(c.Regex)
	if err != nil {
		p.Addf("line_in_use.regex", "%q: invalid regular expression: %v", c.Regex, err)
	}
	u.re = re
	return u
}

// TimingProblems warns when the dial-tone test cannot end before the
// check's timeout: the check would report its time running out instead of
// what the line does.
func (c *Check) TimingProblems(timeout time.Duration) []error {
	if c.dialWait < timeout {
		return nil
	}
	need := c.dialWait + 2*c.replyTimeout + time.Second
	return []error{checks.Invalid("dial_timeout",
		"%v is not below the check's timeout (%v): the time runs out before the dial-tone test can end; set the check's timeout to at least %v (dial_timeout plus a few commands) or lower dial_timeout",
		c.dialWait, timeout, need)}
}
