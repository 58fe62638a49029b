package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/webhook"
)

const secret = "s3cr3t-webhook-key"

var now = time.Date(2026, 3, 2, 8, 20, 0, 0, time.UTC)

func message() notify.Message {
	return notify.Message{IncidentID: "inc-1", Notifier: "webhook:tickets", Target: "tickets", Op: notify.Reply,
		Event: "reminder", Severity: "critical", State: "firing", Title: "ATM atm-02 down", Text: "Still down", DecidedAt: now}
}

func TestSignedDelivery(t *testing.T) {
	var got struct {
		header http.Header
		body   []byte
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.header = r.Header.Clone()
		got.body, _ = io.ReadAll(r.Body)
		io.WriteString(w, `{"id":"TICKET-42"}`)
	}))
	defer srv.Close()
	n := webhook.New(webhook.Options{Name: "tickets", URL: srv.URL, Secret: secret, HTTPClient: srv.Client(), Now: func() time.Time { return now }})

	m := message()
	m.DeliveryID = "4711"
	rc, err := n.Notify(context.Background(), notify.Receipt{TS: "TICKET-42"}, m)
	if err != nil || rc.TS != "TICKET-42" {
		t.Fatalf("Notify = %+v, %v; want the remote id as receipt", rc, err)
	}
	ts := got.header.Get(webhook.TimestampHeader)
	if ts != "1772439600" {
		t.Errorf("timestamp header = %q, want the send time in Unix seconds", ts)
	}
	if id := got.header.Get(webhook.DeliveryHeader); id != "4711" {
		t.Errorf("delivery header = %q, want the outbox row a receiver de-duplicates on", id)
	}
	if sig := got.header.Get(webhook.SignatureHeader); sig != webhook.Sign(secret, ts, got.body) || !strings.HasPrefix(sig, "sha256=") {
		t.Errorf("signature = %q, want sha256=HMAC(timestamp.body)", sig)
	}
	if webhook.Sign("other", ts, got.body) == webhook.Sign(secret, ts, got.body) || webhook.Sign(secret, "1", got.body) == webhook.Sign(secret, ts, got.body) {
		t.Error("the signature does not depend on the secret and the timestamp")
	}
	var p webhook.Payload
	if err := json.Unmarshal(got.body, &p); err != nil {
		t.Fatal(err)
	}
	if p.IncidentID != "inc-1" || p.Text != "Still down" || p.Thread == nil || p.Thread.TS != "TICKET-42" || !p.DecidedAt.Equal(now) {
		t.Errorf("payload = %+v, want the message with its thread", p)
	}
}

func TestStatusClassification(t *testing.T) {
	for _, c := range []struct {
		name       string
		status     int
		retryAfter string
		retryable  bool
		reason     string
		wait       time.Duration
	}{
		{"a 429 is retried after its Retry-After", 429, "12", true, "rate_limited", 12 * time.Second},
		{"a 429 without Retry-After is retried", 429, "", true, "rate_limited", 0},
		{"a 500 is retried", 500, "", true, "server_error", 0},
		{"a 503 with Retry-After is retried after it", 503, "3", true, "server_error", 3 * time.Second},
		{"a 401 is a configuration error", 401, "", false, "http_401", 0},
		{"a 404 is a configuration error", 404, "", false, "http_404", 0},
		{"a 400 is not retried", 400, "", false, "http_400", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if c.retryAfter != "" {
					w.Header().Set("Retry-After", c.retryAfter)
				}
				http.Error(w, "nope", c.status)
			}))
			defer srv.Close()
			_, err := webhook.New(webhook.Options{Name: "t", URL: srv.URL, Secret: secret, HTTPClient: srv.Client()}).Notify(context.Background(), notify.Receipt{}, message())
			var ne *notify.Error
			if !errors.As(err, &ne) || ne.Retryable != c.retryable || ne.Reason != c.reason || ne.RetryAfter != c.wait {
				t.Errorf("error = %#v, want retryable %v, reason %s, wait %v", ne, c.retryable, c.reason, c.wait)
			}
		})
	}
}

func TestNetworkErrorHidesURLToken(t *testing.T) {
	url := "http://127.0.0.1:1/hooks/T000/B000/XXXXsecretXXXX"
	_, err := webhook.New(webhook.Options{Name: "t", URL: url, Secret: secret}).Notify(context.Background(), notify.Receipt{}, message())
	var ne *notify.Error
	if !errors.As(err, &ne) || !ne.Retryable || ne.Reason != "network" {
		t.Fatalf("error = %v, want a retryable network error", err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("error text = %q, shows the URL's token", err)
	}
}
