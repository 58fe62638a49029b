package slacktest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"
)

// serveAPI answers one Web API call: a scripted fault first, then the
// token check, then the method.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	f, err := readForm(r)
	if err != nil {
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
	if token := tokenOf(r, f); token == "" {
		replyError(w, "not_authed")
		return
	} else if want != "" && token != want {
		replyError(w, "invalid_auth")
		return
	}
	switch method {
	case "chat.postMessage":
		s.postLocked(w, f)
	case "chat.update":
		s.updateLocked(w, f)
	case "conversations.history", "conversations.replies":
		s.historyLocked(w, f, method == "conversations.replies")
	case "conversations.list":
		s.listLocked(w, f)
	case "auth.test":
		reply(w, map[string]any{"ok": true, "url": "https://fake.slack.test/", "team": "Branchready", "user": "branchready", "team_id": "T00000001", "user_id": "U00000001", "bot_id": "B00000001"})
	case "apps.connections.open":
		s.openLocked(w)
	default:
		replyError(w, "unknown_method")
	}
}

func (s *Server) postLocked(w http.ResponseWriter, f form) {
	id, ok := s.targetLocked(f.Get("channel"))
	if !ok {
		replyError(w, "channel_not_found")
		return
	}
	text, blocks := f.Get("text"), f.escaped("blocks")
	if text == "" && blocks == "" {
		replyError(w, "no_text")
		return
	}
	thread := f.Get("thread_ts")
	if thread != "" && s.findLocked(id, thread) == nil {
		replyError(w, "thread_not_found")
		return
	}
	s.seq++
	now := s.o.Now()
	m := &Message{
		Channel: id, TS: tsOf(now, s.seq), ThreadTS: thread,
		Text: text, blocks: blocks, PostedAt: now, Metadata: metadataOf(f),
	}
	s.messages[id] = append(s.messages[id], m)
	s.byTS[msgKey{id, m.TS}] = m
	if s.o.Posted != nil {
		s.o.Posted(*m)
	}
	replyJSON(w, postAnswer{OK: true, Channel: id, TS: m.TS, Message: postedMessage{Text: m.Text, TS: m.TS, ThreadTS: thread}})
}

// tsOf is a message's ts: the second it was posted and a sequence.
func tsOf(now time.Time, seq int) string {
	b := make([]byte, 0, 24)
	b = strconv.AppendInt(b, now.Unix(), 10)
	b = append(b, '.')
	n := seq % 1000000
	for d := 100000; d > 1 && n < d; d /= 10 {
		b = append(b, '0')
	}
	return string(strconv.AppendInt(b, int64(n), 10))
}

func (s *Server) updateLocked(w http.ResponseWriter, f form) {
	id := s.lookupLocked(f.Get("channel"))
	if id == "" {
		replyError(w, "channel_not_found")
		return
	}
	m := s.findLocked(id, f.Get("ts"))
	if m == nil {
		replyError(w, "message_not_found")
		return
	}
	m.Text, m.Blocks, m.blocks = f.Get("text"), nil, f.escaped("blocks")
	m.Edits = append(m.Edits, m.Text)
	replyJSON(w, updateAnswer{OK: true, Channel: id, TS: m.TS, Text: m.Text})
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
		replyError(w, "socket_mode_not_started")
		return
	}
	u := "ws" + strings.TrimPrefix(strings.TrimSuffix(s.URL, "/api/"), "http") + "/socket"
	reply(w, map[string]any{"ok": true, "url": u})
}

func tokenOf(r *http.Request, f form) string {
	if t := f.Get("token"); t != "" {
		return t
	}
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

// decodeBlocks unescapes the blocks a message was sent with, once: they
// are kept as sent until a test reads them (see form).
func (m *Message) decodeBlocks() {
	if m.blocks != "" {
		m.Blocks, m.blocks = json.RawMessage(unescape(m.blocks)), ""
	}
}

func writeFault(w http.ResponseWriter, f Fault) {
	if f.SlackError != "" {
		replyError(w, f.SlackError)
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

// The answers to posts, updates and errors, the calls a wave makes by the
// thousand, as structs: encoding/json writes a map's keys sorted, so
// their fields are in that order and the bytes are the same as a map's,
// without sorting and reflecting on a map each call.
type (
	postAnswer struct {
		Channel string        `json:"channel"`
		Message postedMessage `json:"message"`
		OK      bool          `json:"ok"`
		TS      string        `json:"ts"`
	}
	postedMessage struct {
		Text     string `json:"text"`
		ThreadTS string `json:"thread_ts"`
		TS       string `json:"ts"`
	}
	updateAnswer struct {
		Channel string `json:"channel"`
		OK      bool   `json:"ok"`
		Text    string `json:"text"`
		TS      string `json:"ts"`
	}
	errorAnswer struct {
		Error string `json:"error"`
		OK    bool   `json:"ok"`
	}
)

func replyError(w http.ResponseWriter, code string) { replyJSON(w, errorAnswer{Error: code}) }

// replyJSON answers v as reply does, in one write.
func replyJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("slacktest: encode an answer: %v", err))
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(b, '\n'))
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
