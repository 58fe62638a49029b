package command

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
)

// ErrUsage marks an error whose message (the usage) has been printed: a
// command line mistake, exit status 2.
var ErrUsage = errors.New("usage")

// ParseError is what a command returns when its flags do not parse: -h
// (flag.ErrHelp: the usage was asked for and printed, exit 0) or a
// mistake (ErrUsage, exit 2).
func ParseError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return flag.ErrHelp
	}
	return ErrUsage
}

// Flags returns a flag set for "program name" that prints its usage, with
// the synopsis, to stderr and returns errors instead of exiting.
func Flags(program, name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s %s %s\n\nFlags:\n", program, name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// Log is the --log.level and --log.format flags.
type Log struct {
	Level  string
	Format string
}

// LogFlags registers --log.level and --log.format on fs.
func LogFlags(fs *flag.FlagSet) *Log {
	l := &Log{}
	fs.StringVar(&l.Level, "log.level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&l.Format, "log.format", "logfmt", "log format: logfmt (key=value text) or json (what log shippers read)")
	return l
}

// Logger builds the logger the flags ask for, writing to w.
func (l *Log) Logger(w io.Writer) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(l.Level)); err != nil {
		return nil, fmt.Errorf("--log.level %q: must be debug, info, warn or error", l.Level)
	}
	o := &slog.HandlerOptions{Level: lv}
	switch l.Format {
	case "logfmt", "":
		return slog.New(slog.NewTextHandler(w, o)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, o)), nil
	}
	return nil, fmt.Errorf("--log.format %q: must be logfmt or json", l.Format)
}
