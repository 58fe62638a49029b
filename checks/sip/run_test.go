package sip

import (
	"context"
	"net"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var rttText = regexp.MustCompile(`, \d+(\.\d+)?[µnm]?s\)`)

// verdict renders an outcome with the fake's address and timings replaced.
// budgetText is the time a check says it waited: the context's deadline
// less the moment Run began, which on a loaded machine is some
// milliseconds after the test set the deadline.
var budgetText = regexp.MustCompile(`within (\d+)ms`)

func verdict(status, reason, addr string) string {
	reason = strings.ReplaceAll(reason, addr, "PBX")
	reason = budgetText.ReplaceAllStringFunc(reason, func(m string) string {
		ms, _ := strconv.Atoi(budgetText.FindStringSubmatch(m)[1])
		if ms > 200 && ms <= 300 { // the tests' 300 ms budget, less the start-up
			return "within 300ms"
		}
		return m
	})
	return status + ": " + rttText.ReplaceAllString(reason, ", T)")
}

func run(t *testing.T, c Config, password string, timeout time.Duration) (string, string) {
	t.Helper()
	chk, err := New(c, nil, password)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	chk.t1 = 20 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out := chk.Run(ctx)
	return string(out.Status), out.Reason
}

func TestOptions(t *testing.T) {
	drop := func(int, fakeRequest) []string { return nil }
	cases := []struct {
		name      string
		transport string
		h         handler
		codes     []int
		want      string
	}{
		{"a 200 over UDP is ok", "udp", answers("200 OK"), nil, "ok: the phone system at PBX answers SIP OPTIONS (200 OK, T)"},
		{"a 200 over TCP is ok", "tcp", answers("200 OK"), nil, "ok: the phone system at PBX answers SIP OPTIONS (200 OK, T)"},
		{"a 405 shows the server alive but refusing", "udp", answers("405 Method Not Allowed"), nil, "degraded: the phone system at PBX is up but refuses SIP OPTIONS (405 Method Not Allowed)"},
		{"a 404 is fail when the policy lists no codes", "udp", answers("404 Not Found"), []int{}, "fail: the phone system at PBX answered SIP OPTIONS with 404 Not Found"},
		{"a 503 is fail", "tcp", answers("503 Service Unavailable"), nil, "fail: the phone system at PBX answered SIP OPTIONS with 503 Service Unavailable"},
		{"a 408 is fail", "udp", answers("408 Request Timeout"), nil, "fail: the phone system at PBX answered SIP OPTIONS with 408 Request Timeout"},
		{"a 603 is fail", "udp", answers("603 Decline"), nil, "fail: the phone system at PBX answered SIP OPTIONS with 603 Decline"},
		{"a provisional answer is waited through", "udp", func(_ int, r fakeRequest) []string {
			return []string{reply(r, "100 Trying"), reply(r, "200 OK")}
		}, nil, "ok: the phone system at PBX answers SIP OPTIONS (200 OK, T)"},
		{"an answer to another transaction is ignored", "tcp", func(_ int, r fakeRequest) []string {
			other := r
			other.h = textproto.MIMEHeader{}
			for k, v := range r.h {
				other.h[k] = v
			}
			other.h.Set("Via", "SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKother")
			return []string{reply(other, "500 Other"), reply(r, "200 OK")}
		}, nil, "ok: the phone system at PBX answers SIP OPTIONS (200 OK, T)"},
		{"a lost request is retransmitted", "udp", func(n int, r fakeRequest) []string {
			if n < 3 {
				return nil
			}
			return []string{reply(r, "200 OK")}
		}, nil, "ok: the phone system at PBX answers SIP OPTIONS (200 OK, T)"},
		{"silence over UDP times out", "udp", drop, nil, "fail: the phone system at PBX did not answer SIP OPTIONS within 300ms"},
		{"silence over TCP times out", "tcp", drop, nil, "fail: the phone system at PBX did not answer SIP OPTIONS within 300ms"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t, tc.transport, tc.h)
			status, reason := run(t, Config{Server: f.addr, Transport: tc.transport, DegradedCodes: tc.codes}, "", 300*time.Millisecond)
			if got := verdict(status, reason, f.addr); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestRetransmissionsRepeatTheSameTransaction(t *testing.T) {
	f := startFake(t, "udp", func(n int, r fakeRequest) []string {
		if n < 3 {
			return nil
		}
		return []string{reply(r, "200 OK")}
	})
	if status, reason := run(t, Config{Server: f.addr}, "", 2*time.Second); status != "ok" {
		t.Fatalf("got %s: %s", status, reason)
	}
	reqs := f.requests()
	if len(reqs) != 3 {
		t.Fatalf("the server saw %d requests, want 3", len(reqs))
	}
	for _, r := range reqs[1:] {
		if r.h.Get("Via") != reqs[0].h.Get("Via") || r.h.Get("Cseq") != "1 OPTIONS" {
			t.Errorf("retransmission %q / %q differs from the original %q", r.h.Get("Via"), r.h.Get("Cseq"), reqs[0].h.Get("Via"))
		}
	}
}

func TestRequestsCarryTheMandatoryHeaders(t *testing.T) {
	f := startFake(t, "udp", answers("200 OK"))
	run(t, Config{Server: f.addr}, "", time.Second)
	r := f.requests()[0]
	checks := map[string]*regexp.Regexp{
		"Via":            regexp.MustCompile(`^SIP/2\.0/UDP 127\.0\.0\.1:\d+;branch=z9hG4bK[0-9a-f]{16};rport$`),
		"From":           regexp.MustCompile(`^<sip:branchready@127\.0\.0\.1>;tag=[0-9a-f]{12}$`),
		"To":             regexp.MustCompile(`^<sip:127\.0\.0\.1:\d+>$`),
		"Call-Id":        regexp.MustCompile(`^[0-9a-f]{24}@branchready$`),
		"Cseq":           regexp.MustCompile(`^1 OPTIONS$`),
		"Max-Forwards":   regexp.MustCompile(`^70$`),
		"Content-Length": regexp.MustCompile(`^0$`),
	}
	for h, re := range checks {
		if v := r.h.Get(h); !re.MatchString(v) {
			t.Errorf("%s: %q does not match %s", h, v, re)
		}
	}
}

func TestAClosedPort(t *testing.T) {
	cases := []struct{ name, transport, want string }{
		{"over UDP times out: no ICMP error reaches an unconnected socket", "udp", "fail: the phone system at PBX did not answer SIP OPTIONS within 300ms"},
		{"over TCP is refused at once", "tcp", "fail: the phone system at PBX refused the connection (SIP over TCP): nothing listens on that port"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := closedPort(t, tc.transport)
			status, reason := run(t, Config{Server: addr, Transport: tc.transport}, "", 300*time.Millisecond)
			if got := verdict(status, reason, addr); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// closedPort returns a loopback address nothing listens on right now.
func closedPort(t *testing.T, transport string) string {
	t.Helper()
	if transport == "udp" {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		return pc.LocalAddr().String()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestCancellationStopsTheWait(t *testing.T) {
	f := startFake(t, "udp", func(int, fakeRequest) []string { return nil })
	chk, err := New(Config{Server: f.addr}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan string)
	go func() { out := chk.Run(ctx); done <- out.Reason }()
	cancel()
	if got, want := verdict("", <-done, f.addr), ": the check was cancelled before the phone system at PBX answered SIP OPTIONS"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
