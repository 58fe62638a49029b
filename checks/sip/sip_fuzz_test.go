package sip

import (
	"bufio"
	"bytes"
	"testing"
)

// FuzzResponse reads arbitrary bytes as a SIP response and, when it is
// one, matches it against a request and reads its digest challenge: no
// peer may crash the check.
func FuzzResponse(f *testing.F) {
	f.Add([]byte("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte("\r\n\r\nSIP/2.0 401 Unauthorized\r\nv: SIP/2.0/TCP h;branch=z9hG4bK2;rport\r\nCSeq: 2 REGISTER\r\n" +
		"WWW-Authenticate: Digest realm=\"branch\", nonce=\"abc\", qop=\"auth,auth-int\", algorithm=MD5, opaque=\"x\"\r\nl: 5\r\n\r\nhello"))
	f.Add([]byte("SIP/2.0 407 Proxy Authentication Required\r\nProxy-Authenticate: Digest realm=\"a\\\"b\", nonce=\"n\", algorithm=SHA-256\r\nContent-Length: 99999999\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 200 OK\r\n\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		resp, err := readResponse(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return
		}
		_ = resp.status()
		_ = resp.matches(&request{method: "OPTIONS", cseq: 1, branch: "z9hG4bK1"})
		if ch, err := challengeOf(resp); err == nil {
			_ = ch.authorization("REGISTER", "sip:branch", "user", "secret", 1, "c0ffee")
		}
	})
}
