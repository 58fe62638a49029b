package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/config"
)

// Header names.
const (
	SignatureHeader = "X-Branchready-Signature"
	TimestampHeader = "X-Branchready-Timestamp"
	// DeliveryHeader names the message's outbox row, the same on every
	// attempt: a receiver de-duplicates on it (a collector that died
	// mid-call cannot know whether the receiver took the message, and the
	// next leader sends it again).
	DeliveryHeader = "X-Branchready-Delivery"
)

// Options configure one webhook.
type Options struct {
	// Name is the webhook's name; the notifier is "webhook:NAME".
	Name string
	URL  string
	// Secret keys the signature; empty sends no signature.
	Secret     config.Secret
	HTTPClient *http.Client // a client with a 30 s timeout when nil
	Now        func() time.Time
}

// Notifier posts messages to one URL.
type Notifier struct{ o Options }

var _ notify.Notifier = (*Notifier)(nil)

// New returns a notifier; it does no I/O.
func New(o Options) *Notifier {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Notifier{o}
}

// Name implements notify.Notifier.
func (n *Notifier) Name() string { return "webhook:" + n.o.Name }

// Payload is the JSON body: the message, and the receipt of the
// incident's first delivery to this webhook for an update or a reply.
type Payload struct {
	notify.Message
	Thread *notify.Receipt `json:"thread,omitempty"`
}

// Sign returns the signature header value for body sent at timestamp.
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Notify implements notify.Notifier.
func (n *Notifier) Notify(ctx context.Context, thread notify.Receipt, m notify.Message) (notify.Receipt, error) {
	p := Payload{Message: m}
	if thread != (notify.Receipt{}) {
		p.Thread = &thread
	}
	body, err := json.Marshal(p)
	if err != nil {
		return notify.Receipt{}, &notify.Error{Reason: "bad_message", Err: fmt.Errorf("encode: %w", err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.o.URL, bytes.NewReader(body))
	if err != nil {
		return notify.Receipt{}, &notify.Error{Reason: "bad_url", Err: n.redact(err)}
	}
	ts := strconv.FormatInt(n.o.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "branchready")
	req.Header.Set(TimestampHeader, ts)
	if m.DeliveryID != "" {
		req.Header.Set(DeliveryHeader, m.DeliveryID)
	}
	if s := n.o.Secret.Reveal(); s != "" {
		req.Header.Set(SignatureHeader, Sign(s, ts, body))
	}
	resp, err := n.o.HTTPClient.Do(req)
	if err != nil {
		var nerr net.Error
		reason := "network"
		if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &nerr) && nerr.Timeout() {
			reason = "timeout"
		}
		return notify.Receipt{}, &notify.Error{Retryable: true, Reason: reason, Err: n.redact(err)}
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		var id struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(answer, &id) // an answer without an id is fine
		return notify.Receipt{TS: id.ID}, nil
	}
	return notify.Receipt{}, statusError(resp, answer)
}

// statusError classifies a non-2xx answer.
func statusError(resp *http.Response, answer []byte) *notify.Error {
	err := fmt.Errorf("webhook answered %s: %s", resp.Status, strings.TrimSpace(string(bytes.ToValidUTF8(answer[:min(len(answer), 200)], nil))))
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return &notify.Error{Retryable: true, RetryAfter: retryAfter(resp.Header.Get("Retry-After")), Reason: "rate_limited", Err: err}
	case resp.StatusCode >= 500:
		return &notify.Error{Retryable: true, RetryAfter: retryAfter(resp.Header.Get("Retry-After")), Reason: "server_error", Err: err}
	default:
		return &notify.Error{Reason: fmt.Sprintf("http_%d", resp.StatusCode), Err: err}
	}
}

// retryAfter reads Retry-After in seconds; an HTTP date or garbage is zero
// (the outbox then backs off on its own).
func retryAfter(v string) time.Duration {
	s, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || s < 0 {
		return 0
	}
	return time.Duration(s) * time.Second
}

// redact keeps the secret, and the URL's path and query (webhook URLs often
// embed a token), out of errors.
func (n *Notifier) redact(err error) error {
	text := err.Error()
	if u, perr := url.Parse(n.o.URL); perr == nil && n.o.URL != "" {
		text = strings.ReplaceAll(text, strconv.Quote(n.o.URL), n.o.URL) // url.Error quotes it
		text = strings.ReplaceAll(text, n.o.URL, u.Scheme+"://"+u.Host+"/<redacted>")
	}
	if s := n.o.Secret.Reveal(); s != "" {
		text = strings.ReplaceAll(text, s, "<secret>")
	}
	return errors.New(text)
}
