package sip

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
)

// fakeRequest is a request as the fake PBX saw it.
type fakeRequest struct {
	method, uri string
	h           textproto.MIMEHeader
}

// handler answers a request with raw responses; none drops it.
type handler func(n int, r fakeRequest) []string

// fakePBX is an in-process SIP server on loopback over UDP or TCP.
type fakePBX struct {
	addr   string
	handle handler
	mu     sync.Mutex
	seen   []fakeRequest
}

func startFake(t *testing.T, transport string, h handler) *fakePBX {
	t.Helper()
	f := &fakePBX{handle: h}
	if transport == "udp" {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = pc.Close() })
		f.addr = pc.LocalAddr().String()
		go f.serveUDP(pc)
		return f
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	f.addr = ln.Addr().String()
	go f.serveTCP(ln)
	return f
}

func (f *fakePBX) serveUDP(pc net.PacketConn) {
	buf := make([]byte, 65535)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		req, err := readRequest(bufio.NewReader(bytes.NewReader(buf[:n])))
		if err != nil {
			continue
		}
		for _, resp := range f.answer(req) {
			_, _ = pc.WriteTo([]byte(resp), from)
		}
	}
}

func (f *fakePBX) serveTCP(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			r := bufio.NewReader(c)
			for {
				req, err := readRequest(r)
				if err != nil {
					return
				}
				for _, resp := range f.answer(req) {
					_, _ = io.WriteString(c, resp)
				}
			}
		}()
	}
}

func (f *fakePBX) answer(req fakeRequest) []string {
	f.mu.Lock()
	f.seen = append(f.seen, req)
	n := len(f.seen)
	f.mu.Unlock()
	return f.handle(n, req)
}

func (f *fakePBX) requests() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeRequest(nil), f.seen...)
}

func readRequest(r *bufio.Reader) (fakeRequest, error) {
	tp := textproto.NewReader(r)
	line, err := tp.ReadLine()
	if err != nil {
		return fakeRequest{}, err
	}
	f := strings.Fields(line)
	if len(f) != 3 {
		return fakeRequest{}, fmt.Errorf("bad request line %q", line)
	}
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		return fakeRequest{}, err
	}
	return fakeRequest{method: f[0], uri: f[1], h: h}, nil
}

// reply builds a response to req with extra header lines.
func reply(req fakeRequest, status string, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "SIP/2.0 %s\r\n", status)
	for _, k := range []string{"Via", "From", "Call-Id", "Cseq"} {
		fmt.Fprintf(&b, "%s: %s\r\n", k, req.h.Get(k))
	}
	fmt.Fprintf(&b, "To: %s;tag=pbx1\r\n", req.h.Get("To"))
	for _, e := range extra {
		b.WriteString(e + "\r\n")
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	return b.String()
}

// answers always gives the same status.
func answers(status string) handler {
	return func(_ int, r fakeRequest) []string { return []string{reply(r, status)} }
}

const (
	fakeRealm = "branch.example"
	fakeNonce = "a1b2c3"
)

// registrar answers OPTIONS 200 and REGISTER with a digest challenge
// (header www or proxy), accepting user/password.
func registrar(user, password string, proxy bool) handler {
	ask, answer, code := "WWW-Authenticate", "Authorization", "401 Unauthorized"
	if proxy {
		ask, answer, code = "Proxy-Authenticate", "Proxy-Authorization", "407 Proxy Authentication Required"
	}
	return func(_ int, r fakeRequest) []string {
		if r.method != "REGISTER" {
			return []string{reply(r, "200 OK")}
		}
		cred := r.h.Get(answer)
		if cred == "" {
			return []string{reply(r, code, fmt.Sprintf(`%s: Digest realm="%s", nonce="%s", qop="auth", algorithm=MD5`, ask, fakeRealm, fakeNonce))}
		}
		if !validDigest(cred, "REGISTER", user, password) {
			return []string{reply(r, "403 Forbidden")}
		}
		return []string{reply(r, "200 OK", "Contact: "+r.h.Get("Contact")+";expires="+r.h.Get("Expires"))}
	}
}

// validDigest checks a qop=auth MD5 answer independently of digest.go.
func validDigest(cred, method, user, password string) bool {
	p := map[string]string{}
	for _, part := range strings.Split(strings.TrimPrefix(cred, "Digest "), ", ") {
		k, v, _ := strings.Cut(part, "=")
		p[k] = strings.Trim(v, `"`)
	}
	md := func(s string) string { x := md5.Sum([]byte(s)); return hex.EncodeToString(x[:]) }
	ha1 := md(user + ":" + fakeRealm + ":" + password)
	ha2 := md(method + ":" + p["uri"])
	want := md(ha1 + ":" + fakeNonce + ":" + p["nc"] + ":" + p["cnonce"] + ":auth:" + ha2)
	return p["username"] == user && p["realm"] == fakeRealm && p["response"] == want
}
