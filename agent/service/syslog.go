package service

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"

	kservice "github.com/kardianos/service"
)

// systemHandler writes slog records to a kardianos system logger (the
// Windows event log), one event per record: the message and its attributes
// as text, the level as the event type. The event log stamps the time.
type systemHandler struct {
	sys  kservice.Logger
	gate slog.Handler // decides which levels pass, as the caller's logger did
	mu   *sync.Mutex
	buf  *bytes.Buffer
	text slog.Handler
}

func newSystemHandler(sys kservice.Logger, gate slog.Handler) *systemHandler {
	buf := &bytes.Buffer{}
	text := slog.NewTextHandler(buf, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey) {
				return slog.Attr{}
			}
			return a
		},
	})
	return &systemHandler{sys: sys, gate: gate, mu: &sync.Mutex{}, buf: buf, text: text}
}

func (h *systemHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.gate.Enabled(ctx, l)
}

func (h *systemHandler) Handle(ctx context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.buf.Reset()
	if err := h.text.Handle(ctx, r); err != nil {
		return err
	}
	line := strings.TrimSuffix(h.buf.String(), "\n")
	switch {
	case r.Level >= slog.LevelError:
		return h.sys.Error(line)
	case r.Level >= slog.LevelWarn:
		return h.sys.Warning(line)
	}
	return h.sys.Info(line)
}

func (h *systemHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.gate, c.text = h.gate.WithAttrs(as), h.text.WithAttrs(as)
	return &c
}

func (h *systemHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.gate, c.text = h.gate.WithGroup(name), h.text.WithGroup(name)
	return &c
}
