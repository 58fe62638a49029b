package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/config"
)

// Action is a button pressed in Slack.
type Action struct {
	// Kind is notify.Ack or notify.Snooze.
	Kind       string
	IncidentID string
	// Snooze is the snooze's length; zero for an ack.
	Snooze time.Duration
	// User is the Slack user id; UserName their handle, for "acknowledged
	// by" lines.
	User, UserName string
	// Key names this press of the button (user, the action's time stamp,
	// button): Socket Mode's redelivery of an unacknowledged envelope, or a
	// retried request, carries the same key, so the collector applies the
	// press once.
	Key string
}

// ActionFunc applies an action (the collector records the acknowledgement
// or snooze). It must return quickly: Slack waits three seconds.
type ActionFunc func(ctx context.Context, a Action) error

// maxSkew is how far a request's timestamp may be from now: Slack's own
// replay window.
const maxSkew = 5 * time.Minute

// InteractionOptions configure the interactivity endpoint.
type InteractionOptions struct {
	// SigningSecret is the Slack app's signing secret.
	SigningSecret config.Secret
	OnAction      ActionFunc
	Now           func() time.Time // time.Now when nil
	Log           *slog.Logger
}

// Interactions is the http.Handler for POST /slack/interactions.
type Interactions struct{ o InteractionOptions }

// NewInteractions returns the handler.
func NewInteractions(o InteractionOptions) *Interactions {
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Log = logger(o.Log)
	return &Interactions{o}
}

// ErrBadSignature is why a request was refused: missing, forged or stale
// signature.
var ErrBadSignature = errors.New("bad Slack signature")

// ServeHTTP verifies the request's signature (the v0 scheme: HMAC-SHA256
// of "v0:timestamp:body" with the signing secret, timestamp within five
// minutes) and answers 401 without acting on anything when it fails; then
// it applies each of our buttons in the payload. A failed action answers
// 500, so the user sees in Slack that it did not work.
func (h *Interactions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err := h.verify(r.Header, body); err != nil {
		h.o.Log.Warn("slack interaction refused", "err", err, "remote", r.RemoteAddr)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	if err := handle(r.Context(), cb, h.o.OnAction, h.o.Log); err != nil {
		http.Error(w, "action failed", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// verify checks Slack's signature with the injected clock. It does the
// work of slack.NewSecretsVerifier, which reads the wall clock itself.
func (h *Interactions) verify(hd http.Header, body []byte) error {
	ts, sig := hd.Get("X-Slack-Request-Timestamp"), hd.Get("X-Slack-Signature")
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q", ErrBadSignature, ts)
	}
	if skew := h.o.Now().Sub(time.Unix(secs, 0)).Abs(); skew > maxSkew {
		return fmt.Errorf("%w: timestamp %s off by %v", ErrBadSignature, ts, skew.Round(time.Second))
	}
	got, err := hex.DecodeString(strings.TrimPrefix(sig, "v0="))
	if err != nil || !strings.HasPrefix(sig, "v0=") {
		return fmt.Errorf("%w: malformed", ErrBadSignature)
	}
	secret := h.o.SigningSecret.Reveal()
	if secret == "" {
		return fmt.Errorf("%w: no signing secret configured", ErrBadSignature)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:", ts)
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return fmt.Errorf("%w: mismatch", ErrBadSignature)
	}
	return nil
}

// handle applies our buttons in a block_actions payload; other payloads
// and other apps' actions are ignored.
func handle(ctx context.Context, cb slack.InteractionCallback, on ActionFunc, log *slog.Logger) error {
	if cb.Type != slack.InteractionTypeBlockActions {
		return nil
	}
	var errs []error
	for _, ba := range cb.ActionCallback.BlockActions {
		kind := actionKind(ba.ActionID)
		if kind != notify.Ack && kind != notify.Snooze {
			continue
		}
		id, snooze, err := notify.ParseButton(kind, ba.Value)
		if err != nil {
			log.Warn("slack button ignored", "action_id", ba.ActionID, "err", err)
			continue
		}
		name := cb.User.Name
		if name == "" {
			name = cb.User.Username
		}
		a := Action{Kind: kind, IncidentID: id, Snooze: snooze, User: cb.User.ID, UserName: name, Key: pressKey(cb, ba)}
		if err := on(ctx, a); err != nil {
			log.Error("slack button not applied", "action", kind, "incident", id, "user", a.User, "err", err)
			errs = append(errs, err)
			continue
		}
		log.Info("slack button applied", "action", kind, "incident", id, "user", a.User, "user_name", name, "snooze", snooze)
	}
	return errors.Join(errs...)
}

// pressKey names one press of a button. Slack stamps each action with its
// own action_ts; an action without one (never seen from Slack) falls back
// to the interaction's trigger id.
func pressKey(cb slack.InteractionCallback, ba *slack.BlockAction) string {
	ts := ba.ActionTs
	if ts == "" {
		ts = cb.TriggerID
	}
	if ts == "" {
		return ""
	}
	return "slack:" + cb.User.ID + ":" + ts + ":" + ba.ActionID + ":" + ba.Value
}
