package loadgen

import (
	"net"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/branchready/branchready/alerts/slack/slacktest"
)

// fakeSlack is slacktest's fake Slack on loopback, with every new incident
// message (a chat.postMessage that is not a thread reply) noted with the
// time it arrived, keyed by the branch, check and wave round it names.
type fakeSlack struct {
	url  string
	srv  *http.Server
	mu   sync.Mutex
	got  map[incidentKey]time.Time
	dups int
}

// incidentKey names one newly failing check of one round.
type incidentKey struct {
	branch, device, check string
	round                 int
}

// titleRE reads an incident message's first line and the round the load
// generator wrote into the failure's reason.
var titleRE = regexp.MustCompile(`\((\S+)\): (\S+) (\S+) failing\n(?s:.*)\(wave round (\d+)\)`)

func startSlack() (*fakeSlack, error) {
	fake := slacktest.New(slacktest.Options{Token: slackToken})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &fakeSlack{url: "http://" + ln.Addr().String() + "/api/", got: map[incidentKey]time.Time{}}
	inner := fake.Handler()
	s.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		if r.URL.Path == "/api/chat.postMessage" && r.ParseForm() == nil && r.Form.Get("thread_ts") == "" {
			s.note(r.Form.Get("text"), at)
		}
		inner.ServeHTTP(w, r)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *fakeSlack) note(text string, at time.Time) {
	m := titleRE.FindStringSubmatch(text)
	if m == nil {
		return
	}
	round, _ := strconv.Atoi(m[4])
	k := incidentKey{branch: m[1], device: m[2], check: m[3], round: round}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, seen := s.got[k]; seen {
		s.dups++
		return
	}
	s.got[k] = at
}

// arrived returns when the message for k arrived.
func (s *fakeSlack) arrived(k incidentKey) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.got[k]
	return t, ok
}

// duplicates counts incident messages that arrived more than once.
func (s *fakeSlack) duplicates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dups
}

func (s *fakeSlack) close() { _ = s.srv.Close() }
