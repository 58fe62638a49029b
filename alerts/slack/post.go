package slack

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackutilsx"

	"github.com/branchready/branchready/alerts/notify"
)

// send calls chat.postMessage or chat.update with m, sending the form
// slack-go's PostMessageContext and UpdateMessageContext send (the same
// fields, the same bytes; a test compares them) and answering with the
// errors they return, so that classify reads them alike. It writes the
// blocks' JSON without reflection (see blocksJSON) and decodes of the
// answer only what a receipt needs: Slack answers a post with the whole
// message, blocks and all, which slack-go decodes block by block.
// ts is the message chat.update edits, thread the message a reply goes
// under; both empty for a post.
func (n *Notifier) send(ctx context.Context, method, channel string, m notify.Message, ts, thread string) (string, string, error) {
	bp := buffers.Get().(*[]byte)
	defer putBuffer(bp)
	blocks := blocksJSON((*bp)[:0], m)
	*bp = blocks
	var md []byte
	if m.DeliveryID != "" {
		var err error
		if md, err = metadataJSON(metadataOf(m)); err != nil {
			return "", "", err
		}
	}
	text := slackutilsx.EscapeMessage(m.Text)
	// The form is sized first, then written once: growing it as it was
	// written copied it three times a message.
	size := fieldLen("blocks", blocks) + fieldLen("channel", channel) + fieldLen("text", text) + fieldLen("token", n.token)
	if md != nil {
		size += fieldLen("metadata", md)
	}
	if thread != "" {
		size += fieldLen("thread_ts", thread)
	}
	if ts != "" {
		size += fieldLen("ts", ts)
	}
	// The fields in url.Values.Encode's order, the order slack-go sends.
	body := make([]byte, 0, size)
	body = appendField(body, "blocks", blocks)
	body = appendField(body, "channel", channel)
	if md != nil {
		body = appendField(body, "metadata", md)
	}
	body = appendField(body, "text", text)
	if thread != "" {
		body = appendField(body, "thread_ts", thread)
	}
	body = appendField(body, "token", n.token)
	if ts != "" {
		body = appendField(body, "ts", ts)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.apiURL+method, bytes.NewReader(body))
	if err != nil {
		return "", "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := n.hc.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	if err := statusError(resp); err != nil {
		return "", "", err
	}
	answer, err := readAnswer(resp.Body)
	if err != nil {
		return "", "", err
	}
	if err := answer.Err(); err != nil {
		return "", "", err
	}
	if answer.TS == "" {
		answer.TS = answer.MessageTS
	}
	return answer.Channel, answer.TS, nil
}

// statusError is the error slack-go makes of an answer that is not a 200:
// a rate limit with its Retry-After, or the status.
func statusError(resp *http.Response) error {
	if after := resp.Header.Get("Retry-After"); resp.StatusCode == http.StatusTooManyRequests && after != "" {
		s, err := strconv.ParseInt(after, 10, 64)
		if err != nil {
			return err
		}
		return &slack.RateLimitedError{RetryAfter: time.Duration(s) * time.Second}
	}
	if resp.StatusCode != http.StatusOK {
		return slack.StatusCodeError{Code: resp.StatusCode, Status: resp.Status}
	}
	return nil
}

// buffers holds the buffers a message's blocks are written in, and
// Slack's answers read into: both are copied from (escaped into the
// form, or the few strings a receipt needs) and dropped, once a message.
var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooled bounds the buffers kept: a rare huge answer is not held.
const maxPooled = 64 << 10

func putBuffer(bp *[]byte) {
	if cap(*bp) <= maxPooled {
		*bp = (*bp)[:0]
		buffers.Put(bp)
	}
}
