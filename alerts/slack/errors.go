package slack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/slack-go/slack"

	"github.com/branchready/branchready/alerts/notify"
)

// retryableCodes are Slack error codes that trying again later can cure.
// Any other code (invalid_auth, channel_not_found, not_in_channel,
// account_inactive, invalid_blocks, msg_too_long, ...) means the request or
// the configuration is wrong, and repeating it would only repeat the error.
var retryableCodes = map[string]bool{
	"ratelimited": true, "rate_limited": true, "internal_error": true, "fatal_error": true,
	"service_unavailable": true, "request_timeout": true, "team_added_to_org": true,
}

// classify turns a slack-go error into a notify.Error with the token
// redacted from its text.
func (n *Notifier) classify(method string, err error) *notify.Error {
	ne := classify(err)
	ne.Err = redacted{fmt.Errorf("slack %s: %w", method, err), []string{n.token}}
	return ne
}

func classify(err error) *notify.Error {
	var (
		rl   *slack.RateLimitedError
		code slack.StatusCodeError
		resp slack.SlackErrorResponse
		nerr net.Error
	)
	switch {
	case errors.As(err, &rl):
		return &notify.Error{Retryable: true, RetryAfter: rl.RetryAfter, Reason: "rate_limited"}
	case errors.As(err, &code) && code.Code == http.StatusTooManyRequests:
		return &notify.Error{Retryable: true, Reason: "rate_limited"}
	case errors.As(err, &code) && code.Code >= 500:
		return &notify.Error{Retryable: true, Reason: "server_error"}
	case errors.As(err, &code):
		return &notify.Error{Reason: fmt.Sprintf("http_%d", code.Code)}
	case errors.As(err, &resp):
		return &notify.Error{Retryable: retryableCodes[resp.Err], Reason: resp.Err}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return &notify.Error{Retryable: true, Reason: "timeout"}
	case errors.As(err, &nerr):
		return &notify.Error{Retryable: true, Reason: "network"}
	default:
		// A broken or foreign answer (a proxy's HTML page): transient as
		// far as we can tell.
		return &notify.Error{Retryable: true, Reason: "bad_response"}
	}
}

// redacted is an error whose text has secrets replaced, whatever library
// wrote them into it; Unwrap still reaches the original for errors.As.
type redacted struct {
	err     error
	secrets []string
}

func (r redacted) Error() string {
	text := r.err.Error()
	for _, s := range r.secrets {
		if s != "" {
			text = strings.ReplaceAll(text, s, "<secret>")
		}
	}
	return text
}

func (r redacted) Unwrap() error { return r.err }
