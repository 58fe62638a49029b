package slacktest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// BlockActions returns the payload Slack sends when a user presses a
// button: a block_actions interaction with one action.
func BlockActions(actionID, value, userID, userName string) []byte {
	p := map[string]any{
		"type": "block_actions",
		"user": map[string]any{"id": userID, "username": userName, "name": userName, "team_id": "T00000001"},
		"team": map[string]any{"id": "T00000001", "domain": "branchready"},
		"actions": []map[string]any{{
			"type": "button", "action_id": actionID, "block_id": "actions", "value": value,
			"text": map[string]any{"type": "plain_text", "text": actionID}, "action_ts": "1700000000.000001",
		}},
		"trigger_id": "1.2.3",
	}
	b, _ := json.Marshal(p) // a map of strings cannot fail
	return b
}

// Sign returns the X-Slack-Request-Timestamp and X-Slack-Signature headers
// Slack sends with body at time at (the v0 scheme).
func Sign(secret string, at time.Time, body []byte) (timestamp, signature string) {
	timestamp = strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:", timestamp)
	mac.Write(body)
	return timestamp, "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// Press posts an interaction payload to an interactivity endpoint as Slack
// does (form field payload, signed with secret at time at) and returns the
// response status.
func Press(ctx context.Context, client *http.Client, endpoint, secret string, at time.Time, payload []byte) (int, error) {
	body := []byte(url.Values{"payload": {string(payload)}}.Encode())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	ts, sig := Sign(secret, at, body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", sig)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}
