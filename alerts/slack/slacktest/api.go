package slacktest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
)

// serveAPI answers one Web API call: a scripted fault first, then the
// token check, then the method.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[method]++
	if f, ok := s.faultLocked(method, s.o.Now()); ok {
		writeFault(w, f)
		return
	}
	want := s.o.Token
	if method == "apps.connections.open" {
		want = s.o.AppToken
	}
	if token := tokenOf(r); token == "" {
		reply(w, map[string]any{"ok": false, "error": "not_authed"})
		return
	} else if want != "" && token != want {
		reply(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	switch method {
	case "chat.postMessage":
		s.postLocked(w, r)
	case "chat.update":
		s.updateLocked(w, r)
	case "conversations.history", "conversations.replies":
		s.historyLocked(w, r, method == "conversations.replies")
	case "conversations.list":
		s.listLocked(w, r)
	case "auth.test":
		reply(w, map[string]any{"ok": true, "url": "https://fake.slack.test/", "team": "Branchready", "user": "branchready", "team_id": "T00000001", "user_id": "U00000001", "bot_id": "B00000001"})
	case "apps.connections.open":
		s.openLocked(w)
	default:
		reply(w, map[string]any{"ok": false, "error": "unknown_method"})
	}
}

func (s *Server) postLocked(w http.ResponseWriter, r *http.Request) {
	id, ok := s.targetLocked(r.Form.Get("channel"))
	if !ok {
		reply(w, map[string]any{"ok": false, "error": "channel_not_found"})
		return
	}
	if r.Form.Get("text") == "" && r.Form.Get("blocks") == "" {
		reply(w, map[string]any{"ok": false, "error": "no_text"})
		return
	}
	thread := r.Form.Get("thread_ts")
	if thread != "" && s.findLocked(id, thread) == nil {
		reply(w, map[string]any{"ok": false, "error": "thread_not_found"})
		return
	}
	s.seq++
	now := s.o.Now()
	m := &Message{
		Channel: id, TS: fmt.Sprintf("%d.%06d", now.Unix(), s.seq%1000000), ThreadTS: thread,
		Text: r.Form.Get("text"), Blocks: blocksOf(r), PostedAt: now, Metadata: metadataOf(r),
	}
	s.messages[id] = append(s.messages[id], m)
	s.byTS[msgKey{id, m.TS}] = m
	reply(w, map[string]any{"ok": true, "channel": id, "ts": m.TS, "message": map[string]any{"text": m.Text, "ts": m.TS, "thread_ts": thread}})
}

func (s *Server) updateLocked(w http.ResponseWriter, r *http.Request) {
	id := s.lookupLocked(r.Form.Get("channel"))
	if id == "" {
		reply(w, map[string]any{"ok": false, "error": "channel_not_found"})
		return
	}
	m := s.findLocked(id, r.Form.Get("ts"))
	if m == nil {
		reply(w, map[string]any{"ok": false, "error": "message_not_found"})
		return
	}
	m.Text, m.Blocks = r.Form.Get("text"), blocksOf(r)
	m.Edits = append(m.Edits, m.Text)
	reply(w, map[string]any{"ok": true, "channel": id, "ts": m.TS, "text": m.Text})
}

// targetLocked resolves where a message goes, creating the channel when
// names are not restricted.
func (s *Server) targetLocked(channel string) (string, bool) {
	if id := s.lookupLocked(channel); id != "" {
		return id, true
	}
	if s.o.Channels != nil || channel == "" {
		return "", false
	}
	return s.channelLocked(channel), true
}

func (s *Server) findLocked(channel, ts string) *Message {
	return s.byTS[msgKey{channel, ts}]
}

func (s *Server) openLocked(w http.ResponseWriter) {
	if s.sock == nil {
		reply(w, map[string]any{"ok": false, "error": "socket_mode_not_started"})
		return
	}
	u := "ws" + strings.TrimPrefix(strings.TrimSuffix(s.URL, "/api/"), "http") + "/socket"
	reply(w, map[string]any{"ok": true, "url": u})
}

func tokenOf(r *http.Request) string {
	if t := r.Form.Get("token"); t != "" {
		return t
	}
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

func blocksOf(r *http.Request) json.RawMessage {
	if b := r.Form.Get("blocks"); b != "" {
		return json.RawMessage(b)
	}
	return nil
}

func writeFault(w http.ResponseWriter, f Fault) {
	if f.SlackError != "" {
		reply(w, map[string]any{"ok": false, "error": f.SlackError})
		return
	}
	if f.Status == http.StatusTooManyRequests && f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(f.RetryAfter.Seconds()))))
	}
	http.Error(w, http.StatusText(f.Status), f.Status)
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Client returns an HTTP client whose requests the fake serves in memory,
// without a socket, whatever their host.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: memTransport{s.mux}}
}

type memTransport struct{ h http.Handler }

func (t memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		defer r.Body.Close()
	}
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	in := r.Clone(r.Context())
	in.RequestURI = r.URL.RequestURI()
	if in.Body == nil {
		in.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, in)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}
