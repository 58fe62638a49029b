package xfs4iot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/coder/websocket"
)

// Message header types and the version of the commands we send.
const (
	typeCommand     = "command"
	typeAcknowledge = "acknowledge"
	typeCompletion  = "completion"
	commandVersion  = "2.0"
)

// header is an XFS4IoT message header.
type header struct {
	Type             string `json:"type"`
	Name             string `json:"name"`
	RequestID        int    `json:"requestId"`
	Version          string `json:"version,omitempty"`
	Timeout          int    `json:"timeout,omitempty"`
	Status           string `json:"status,omitempty"`
	CompletionCode   string `json:"completionCode,omitempty"`
	ErrorDescription string `json:"errorDescription,omitempty"`
}

// message is one XFS4IoT message: a header and a payload.
type message struct {
	Header  header          `json:"header"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// socket is one WebSocket connection; *websocket.Conn satisfies it.
type socket interface {
	Read(ctx context.Context) (websocket.MessageType, []byte, error)
	Write(ctx context.Context, typ websocket.MessageType, p []byte) error
	CloseNow() error
}

// rejection is a command the service refused to queue (an acknowledge
// status) or completed with an error (a completion code).
type rejection struct {
	code, desc string
}

func (r *rejection) Error() string {
	if r.desc != "" {
		return r.code + " (" + r.desc + ")"
	}
	return r.code
}

// codeOf returns the code of a rejection, or "".
func codeOf(err error) string {
	var r *rejection
	if errors.As(err, &r) {
		return r.code
	}
	return ""
}

// session sends commands over one socket and waits for their completions.
type session struct {
	sock socket
	next int
}

// call sends the read-only command name with an empty payload and returns
// the completion's payload. Events and messages for other requests are
// skipped.
func (s *session) call(ctx context.Context, name string) (json.RawMessage, error) {
	s.next++
	cmd := message{Header: header{Type: typeCommand, Name: name, RequestID: s.next, Version: commandVersion}, Payload: json.RawMessage(`{}`)}
	if d, ok := ctx.Deadline(); ok {
		cmd.Header.Timeout = max(1, int(time.Until(d).Milliseconds()))
	}
	out, err := json.Marshal(cmd)
	if err != nil {
		return nil, err
	}
	if err := s.sock.Write(ctx, websocket.MessageText, out); err != nil {
		return nil, err
	}
	for {
		_, data, err := s.sock.Read(ctx)
		if err != nil {
			return nil, err
		}
		var m message
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("invalid message: %w", err)
		}
		if m.Header.RequestID != s.next || m.Header.Name != name {
			continue
		}
		switch m.Header.Type {
		case typeAcknowledge:
			if m.Header.Status != "" && m.Header.Status != "ok" {
				return nil, &rejection{code: m.Header.Status}
			}
		case typeCompletion:
			return m.Payload, completionError(m)
		}
	}
}

// completionError reads the completion code from the header (XFS4IoT 2023
// and later) or the payload (earlier releases).
func completionError(m message) error {
	code, desc := m.Header.CompletionCode, m.Header.ErrorDescription
	if code == "" && len(m.Payload) > 0 {
		var p struct {
			CompletionCode   string `json:"completionCode"`
			ErrorDescription string `json:"errorDescription"`
		}
		_ = json.Unmarshal(m.Payload, &p)
		code, desc = p.CompletionCode, p.ErrorDescription
	}
	if code == "" || code == "success" {
		return nil
	}
	return &rejection{code: code, desc: desc}
}
