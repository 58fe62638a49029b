// Package slack delivers incident messages to Slack through the Web API with
// a bot token (github.com/slack-go/slack), and receives the Acknowledge and
// Snooze buttons back, over a signed HTTP endpoint or Socket Mode.
//
// A Post becomes chat.postMessage with Block Kit blocks and a plain-text
// fallback; an Update edits the incident's message in place (chat.update);
// a Reply is a chat.postMessage in its thread. Errors are notify.Errors: a
// 429 (with its Retry-After) or a 5xx is retryable, a Slack answer that
// names a configuration problem (invalid_auth, not_authed,
// channel_not_found, not_in_channel, account_inactive, ...) is not, so the
// outbox shows it to operators instead of retrying for ever. Tokens never
// appear in an error or a log line.
//
// Posts and updates are sent by this package itself (post.go), with the
// form slack-go would send and the errors it would return, because slack-go
// spent most of a delivery's collector CPU on reflection: encoding the
// blocks and decoding the whole message Slack echoes back. Everything else
// (finding a message, interactions, Socket Mode) goes through slack-go.
package slack
