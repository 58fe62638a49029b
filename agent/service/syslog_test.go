package service

import (
	"fmt"
	"log/slog"
	"os"
	"slices"
	"testing"
)

// fakeSystemLog records what would reach the Windows event log.
type fakeSystemLog struct{ events []string }

func (f *fakeSystemLog) add(kind string, v []any) error {
	f.events = append(f.events, kind+": "+fmt.Sprint(v...))
	return nil
}
func (f *fakeSystemLog) Error(v ...any) error   { return f.add("error", v) }
func (f *fakeSystemLog) Warning(v ...any) error { return f.add("warning", v) }
func (f *fakeSystemLog) Info(v ...any) error    { return f.add("info", v) }
func (f *fakeSystemLog) Errorf(s string, v ...any) error {
	return f.add("error", []any{fmt.Sprintf(s, v...)})
}
func (f *fakeSystemLog) Warningf(s string, v ...any) error {
	return f.add("warning", []any{fmt.Sprintf(s, v...)})
}
func (f *fakeSystemLog) Infof(s string, v ...any) error {
	return f.add("info", []any{fmt.Sprintf(s, v...)})
}

func TestEventLogGetsOneEventPerRecordAtItsLevel(t *testing.T) {
	sys := &fakeSystemLog{}
	gate := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})
	log := slog.New(newSystemHandler(sys, gate)).With("branch", "paris-11")
	log.Debug("not shown at info level")
	log.Info("sweep done", "checks", 12)
	log.Warn("collector slow")
	log.WithGroup("spool").Error("put failed", "err", "disk full")
	want := []string{
		"info: msg=\"sweep done\" branch=paris-11 checks=12",
		"warning: msg=\"collector slow\" branch=paris-11",
		"error: msg=\"put failed\" branch=paris-11 spool.err=\"disk full\"",
	}
	if !slices.Equal(sys.events, want) {
		t.Errorf("events:\n%q\nwant:\n%q", sys.events, want)
	}
}
