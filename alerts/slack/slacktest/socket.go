package slacktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// socket is the fake's Socket Mode endpoint: it greets each connection with
// hello, pings it, sends envelopes and collects their acknowledgements.
type socket struct {
	up websocket.Upgrader

	mu      sync.Mutex
	conn    *wsConn       // the newest connection
	joined  chan struct{} // closed and replaced when a connection says hello
	waiters map[string]chan struct{}
	seq     int
	closed  bool
	all     []*wsConn
}

type wsConn struct {
	mu sync.Mutex // gorilla allows one writer at a time
	c  *websocket.Conn
}

func (c *wsConn) writeJSON(v any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.c.WriteJSON(v)
}

func newSocket() *socket {
	return &socket{
		joined: make(chan struct{}), waiters: map[string]chan struct{}{},
		// Slack's clients send Origin https://api.slack.com.
		up: websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }},
	}
}

func (k *socket) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := k.up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	conn := &wsConn{c: c}
	defer c.Close()
	hello := map[string]any{"type": "hello", "num_connections": 1, "connection_info": map[string]any{"app_id": "A00000001"}}
	if err := conn.writeJSON(hello); err != nil {
		return
	}
	k.mu.Lock()
	if k.closed {
		k.mu.Unlock()
		return
	}
	k.conn, k.all = conn, append(k.all, conn)
	close(k.joined)
	k.joined = make(chan struct{})
	k.mu.Unlock()

	stop := make(chan struct{})
	defer close(stop)
	go ping(c, stop)
	for {
		var ack struct {
			EnvelopeID string `json:"envelope_id"`
		}
		if err := c.ReadJSON(&ack); err != nil {
			return
		}
		k.mu.Lock()
		if ch, ok := k.waiters[ack.EnvelopeID]; ok {
			close(ch)
			delete(k.waiters, ack.EnvelopeID)
		}
		k.mu.Unlock()
	}
}

// ping keeps the client's dead-connection timer (30 s) from firing during
// long tests and demos.
func ping(c *websocket.Conn, stop <-chan struct{}) {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if c.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(5*time.Second)) != nil {
				return
			}
		}
	}
}

func (k *socket) close() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.closed = true
	for _, c := range k.all {
		_ = c.c.Close()
	}
}

// WaitConnected waits until a Socket Mode client has connected to a started
// server and been greeted.
func (s *Server) WaitConnected(ctx context.Context) error {
	if s.sock == nil {
		return errors.New("slacktest: Socket Mode needs Start")
	}
	for {
		s.sock.mu.Lock()
		conn, joined := s.sock.conn, s.sock.joined
		s.sock.mu.Unlock()
		if conn != nil {
			return nil
		}
		select {
		case <-joined:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Interact sends an interactive envelope carrying payload (a Slack
// interaction payload such as BlockActions returns) over the newest Socket
// Mode connection, and waits until the client acknowledges it.
func (s *Server) Interact(ctx context.Context, payload []byte) error {
	if err := s.WaitConnected(ctx); err != nil {
		return err
	}
	k := s.sock
	k.mu.Lock()
	k.seq++
	id := fmt.Sprintf("env-%d", k.seq)
	acked := make(chan struct{})
	k.waiters[id] = acked
	conn := k.conn
	k.mu.Unlock()
	env := map[string]any{"envelope_id": id, "type": "interactive", "payload": json.RawMessage(payload), "accepts_response_payload": false}
	if err := conn.writeJSON(env); err != nil {
		return fmt.Errorf("slacktest: send envelope: %w", err)
	}
	select {
	case <-acked:
		return nil
	case <-ctx.Done():
		k.mu.Lock()
		delete(k.waiters, id)
		k.mu.Unlock()
		return fmt.Errorf("slacktest: envelope %s not acknowledged: %w", id, ctx.Err())
	}
}
