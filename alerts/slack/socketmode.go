package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/branchready/branchready/config"
)

// SocketOptions configure Socket Mode, for banks that cannot expose an
// interactivity endpoint: the collector opens a WebSocket to Slack and the
// button presses come back over it.
type SocketOptions struct {
	// AppToken is the app-level token (xapp-...) with connections:write.
	AppToken config.Secret
	// BotToken is the bot token; Socket Mode itself needs only AppToken.
	BotToken   config.Secret
	APIURL     string
	HTTPClient *http.Client
	OnAction   ActionFunc
	Log        *slog.Logger
}

// RunSocketMode receives interactions until ctx ends (then it returns nil)
// or Slack refuses the app token. It reconnects by itself on a dropped
// connection or a disconnect request. An envelope is acknowledged once its
// actions were applied; a failed action is left unacknowledged, so Slack
// tells the user it did not work.
func RunSocketMode(ctx context.Context, o SocketOptions) error {
	log := logger(o.Log)
	api, _, _ := client(o.BotToken.Reveal(), o.AppToken.Reveal(), o.APIURL, o.HTTPClient)
	sm := socketmode.New(api, socketmode.OptionLog(discard{}))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- sm.RunContext(ctx) }()
	secrets := []string{o.AppToken.Reveal(), o.BotToken.Reveal()}
	for {
		select {
		case err := <-done:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack socket mode: %w", redacted{err, secrets})
		case evt := <-sm.Events:
			socketEvent(ctx, sm, evt, o.OnAction, log, secrets)
		}
	}
}

func socketEvent(ctx context.Context, sm *socketmode.Client, evt socketmode.Event, on ActionFunc, log *slog.Logger, secrets []string) {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		log.Info("slack socket mode connected")
	case socketmode.EventTypeConnectionError:
		if ce, ok := evt.Data.(*slack.ConnectionErrorEvent); ok && ce.ErrorObj != nil {
			log.Warn("slack socket mode connection failed; retrying", "attempt", ce.Attempt, "retry_in", ce.Backoff, "err", redacted{ce.ErrorObj, secrets})
		}
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok || evt.Request == nil {
			return
		}
		actx, cancel := context.WithTimeout(ctx, 2500*time.Millisecond)
		err := handle(actx, cb, on, log)
		cancel()
		if err != nil {
			return
		}
		if err := sm.AckCtx(ctx, evt.Request.EnvelopeID, nil); err != nil && !errors.Is(err, context.Canceled) {
			log.Warn("slack socket mode ack failed", "err", err)
		}
	}
}
