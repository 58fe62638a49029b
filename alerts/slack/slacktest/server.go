package slacktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Options configure a fake Slack.
type Options struct {
	// Token is the bot token Web API calls must carry; empty accepts any.
	Token string
	// AppToken is the app-level token apps.connections.open must carry;
	// empty accepts any.
	AppToken string
	// Channels, when set, are the only channel names that exist; a message
	// to another is answered channel_not_found. Unset, any name exists.
	Channels []string
	// Now stamps messages and ends timed faults; time.Now when nil.
	Now func() time.Time
	// Posted, if set, is told each message chat.postMessage accepted
	// (top-level or reply), its Blocks not filled in, as it is stored.
	// It is called with the fake's lock held: it must not call the fake.
	Posted func(Message)
}

// Message is one message as the fake holds it.
type Message struct {
	Channel  string // channel id
	TS       string
	ThreadTS string // the parent's ts for a thread reply, else empty
	Text     string
	// Blocks is the Block Kit JSON sent with the message (latest edit).
	Blocks json.RawMessage
	// blocks is Blocks as sent in the form, until they are read.
	blocks   string
	PostedAt time.Time
	// Edits are the texts of chat.update calls, in order.
	Edits []string
	// Metadata is the message metadata posted with it (event_type and
	// event_payload), nil when none; conversations.history and
	// conversations.replies return it when asked to include_all_metadata.
	Metadata json.RawMessage
}

// Fault scripts an answer to calls of a method.
type Fault struct {
	// Method is the Web API method ("chat.postMessage"); empty matches all.
	Method string
	// Status is the HTTP status to answer (429, 500); with a 429,
	// RetryAfter is sent as Retry-After in whole seconds when non-zero.
	Status     int
	RetryAfter time.Duration
	// SlackError answers HTTP 200 with ok:false and this error instead.
	SlackError string
	// Count is how many calls get the fault; 0 means every call until Until
	// (or for ever when Until is zero).
	Count int
	Until time.Time
}

// Server is a fake Slack.
type Server struct {
	// URL is the API URL to give slack.OptionAPIURL (ends in "/api/").
	URL string

	o       Options
	mux     *http.ServeMux
	httpSrv *httptest.Server
	sock    *socket

	mu       sync.Mutex
	faults   []Fault
	ids      map[string]string   // channel name → id
	isID     map[string]struct{} // every channel id: a wave's messages name 20,000 channels by id
	messages map[string][]*Message
	// byTS finds a message by channel id and ts: a fake holding a
	// wave's thousands of messages answered each threaded post by a scan.
	byTS     map[msgKey]*Message
	requests map[string]int
	seq      int
}

// msgKey is a message's channel id and ts.
type msgKey struct{ channel, ts string }

// New returns a fake Slack served in memory: use Client as the HTTP
// client and URL as the API URL.
func New(o Options) *Server {
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{
		URL: "http://slack.test/api/", o: o, mux: http.NewServeMux(),
		ids: map[string]string{}, isID: map[string]struct{}{}, messages: map[string][]*Message{}, byTS: map[msgKey]*Message{}, requests: map[string]int{},
	}
	for _, name := range o.Channels {
		s.channelLocked(name)
	}
	s.mux.HandleFunc("POST /api/{method}", s.serveAPI)
	return s
}

// Start returns a fake Slack listening on 127.0.0.1, with Socket Mode.
// Close it when done.
func Start(o Options) *Server {
	s := New(o)
	s.sock = newSocket()
	s.mux.Handle("GET /socket", s.sock)
	s.httpSrv = httptest.NewServer(s.mux)
	s.URL = s.httpSrv.URL + "/api/"
	return s
}

// Close stops a started server and ends Socket Mode connections.
func (s *Server) Close() {
	if s.httpSrv == nil {
		return
	}
	s.sock.close()
	s.httpSrv.CloseClientConnections()
	s.httpSrv.Close()
}

// Handler serves the fake's HTTP API.
func (s *Server) Handler() http.Handler { return s.mux }

// Fail adds a scripted fault; faults are matched in the order added.
func (s *Server) Fail(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// Heal removes every scripted fault.
func (s *Server) Heal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// ChannelID returns the id of a channel name ("#branch-paris" or
// "branch-paris"), creating it unless Options.Channels restricts them; an id
// is returned as is.
func (s *Server) ChannelID(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.channelLocked(name)
}

// Messages returns copies of a channel's messages (name or id), top-level
// and replies, in the order they were posted.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages[s.lookupLocked(channel)] {
		m.decodeBlocks()
		c := *m
		c.Edits = append([]string(nil), m.Edits...)
		c.Metadata = append(json.RawMessage(nil), m.Metadata...)
		out = append(out, c)
	}
	return out
}

// Requests returns how many calls of a method arrived, faults included.
func (s *Server) Requests(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[method]
}

func (s *Server) channelLocked(name string) string {
	if id := s.lookupLocked(name); id != "" {
		return id
	}
	name = strings.TrimPrefix(name, "#")
	id := fmt.Sprintf("C%08d", len(s.ids)+1)
	s.ids[name] = id
	s.isID[id] = struct{}{}
	return id
}

// lookupLocked returns the id of a channel name or id, or "" when unknown.
func (s *Server) lookupLocked(channel string) string {
	if id, ok := s.ids[strings.TrimPrefix(channel, "#")]; ok {
		return id
	}
	if _, ok := s.isID[channel]; ok {
		return channel
	}
	return ""
}

// fault returns the fault for a call of method now, counting it down.
func (s *Server) faultLocked(method string, now time.Time) (Fault, bool) {
	for i := 0; i < len(s.faults); i++ {
		f := &s.faults[i]
		if f.Method != "" && f.Method != method {
			continue
		}
		if f.Count == 0 && !f.Until.IsZero() && !now.Before(f.Until) {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
			i--
			continue
		}
		got := *f
		if f.Count > 0 {
			if f.Count--; f.Count == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return got, true
	}
	return Fault{}, false
}
