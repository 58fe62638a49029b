package loadgen

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/branchready/branchready/alerts/slack/slacktest"
)

// fakeSlack is slacktest's fake Slack on loopback, with every new incident
// message (a chat.postMessage that is not a thread reply) noted with the
// time it arrived, keyed by the branch, check and wave round it names.
type fakeSlack struct {
	url  string
	fake *slacktest.Server
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

func startSlack() (*fakeSlack, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := newFakeSlack()
	s.url = "http://" + ln.Addr().String() + "/api/"
	s.srv = &http.Server{Handler: s.fake.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// newFakeSlack returns the fake, not yet listening.
func newFakeSlack() *fakeSlack {
	s := &fakeSlack{got: map[incidentKey]time.Time{}}
	s.fake = slacktest.New(slacktest.Options{Token: slackToken, Posted: func(m slacktest.Message) {
		if m.ThreadTS == "" {
			s.note(m.Text, time.Now())
		}
	}})
	return s
}

func (s *fakeSlack) note(text string, at time.Time) {
	k, ok := incidentOf(text)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, seen := s.got[k]; seen {
		s.dups++
		return
	}
	s.got[k] = at
}

// incidentOf reads an incident message's first line, "NAME (BRANCH):
// DEVICE CHECK failing", and the round the load generator wrote into the
// failure's reason, "(wave round N)", the last such in the text.
func incidentOf(text string) (incidentKey, bool) {
	title, rest, ok := strings.Cut(text, "\n")
	title, found := strings.CutSuffix(title, " failing")
	i := strings.LastIndex(title, " (")
	if !ok || !found || i < 0 {
		return incidentKey{}, false
	}
	branch, what, ok := strings.Cut(title[i+2:], "): ")
	device, check, ok2 := strings.Cut(what, " ")
	if !ok || !ok2 || !word(branch) || !word(device) || !word(check) {
		return incidentKey{}, false
	}
	const mark = "(wave round "
	j := strings.LastIndex(rest, mark)
	if j < 0 {
		return incidentKey{}, false
	}
	digits, _, ok := strings.Cut(rest[j+len(mark):], ")")
	round, err := strconv.Atoi(digits)
	if !ok || err != nil || round < 0 || digits[0] == '+' {
		return incidentKey{}, false
	}
	return incidentKey{branch: branch, device: device, check: check, round: round}, true
}

// word reports whether s is a non-empty run of characters other than
// spaces and parentheses.
func word(s string) bool {
	return s != "" && !strings.ContainsAny(s, " \t\n\r\f\v()")
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
