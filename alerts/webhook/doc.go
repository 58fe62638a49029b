// Package webhook is a generic notifier for chat and ticketing systems
// other than Slack: it POSTs each notify.Message as JSON, signed so the
// receiver can tell it came from this collector and was not replayed.
//
// Signature: X-Branchready-Timestamp carries the Unix time of sending, and
// X-Branchready-Signature is "sha256=" and the hex HMAC-SHA256, keyed with
// the shared secret, of the timestamp, a ".", and the body. A receiver
// recomputes it, compares in constant time, and rejects old timestamps.
//
// The receiver's answer decides what the outbox does: 2xx is delivered (a
// JSON body {"id": "..."} becomes the receipt's TS, so later updates can
// name the remote ticket); 429 and 5xx are retried (honouring Retry-After);
// any other status is a configuration error and is not retried.
package webhook
