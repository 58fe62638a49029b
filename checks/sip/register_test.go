package sip

import (
	"crypto/md5"
	"crypto/sha256"
	"strings"
	"testing"
	"time"
)

func TestRegister(t *testing.T) {
	cases := []struct {
		name      string
		transport string
		h         handler
		password  string
		want      string
	}{
		{"a challenge answered with the right password registers", "udp", registrar("900", "s3cret", false), "s3cret",
			"ok: the phone system at PBX answers SIP OPTIONS (200 OK, T); monitoring extension 900 registered and unregistered"},
		{"a proxy challenge is answered in Proxy-Authorization", "tcp", registrar("900", "s3cret", true), "s3cret",
			"ok: the phone system at PBX answers SIP OPTIONS (200 OK, T); monitoring extension 900 registered and unregistered"},
		{"a wrong password is a failure that says so", "udp", registrar("900", "s3cret", false), "guess",
			"fail: the phone system at PBX answers SIP OPTIONS (200 OK, T); monitoring extension 900 rejected: wrong password? (403 Forbidden)"},
		{"a challenge without a configured password is a failure", "udp", registrar("900", "s3cret", false), "",
			"fail: the phone system at PBX answers SIP OPTIONS (200 OK, T); monitoring extension 900 needs a password, but none is configured (403 Forbidden)"},
		{"an unknown extension is a failure", "udp", func(_ int, r fakeRequest) []string {
			if r.method == "REGISTER" {
				return []string{reply(r, "404 Not Found")}
			}
			return []string{reply(r, "200 OK")}
		}, "s3cret", "fail: the phone system at PBX answers SIP OPTIONS (200 OK, T); registering monitoring extension 900 failed: 404 Not Found"},
		{"a registrar that never answers REGISTER is a failure", "udp", func(_ int, r fakeRequest) []string {
			if r.method == "REGISTER" {
				return nil
			}
			return []string{reply(r, "200 OK")}
		}, "s3cret", "fail: the phone system at PBX answers SIP OPTIONS (200 OK, T); the phone system at PBX did not answer REGISTER for extension 900 within 500ms"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t, tc.transport, tc.h)
			c := Config{Server: f.addr, Transport: tc.transport, Register: &Register{Extension: "900"}}
			status, reason := run(t, c, tc.password, 500*time.Millisecond)
			if got := verdict(status, reason, f.addr); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestUnregisterRemovesOnlyOurContact(t *testing.T) {
	f := startFake(t, "udp", registrar("900", "pw", false))
	if status, reason := run(t, Config{Server: f.addr, Register: &Register{Extension: "900"}}, "pw", time.Second); status != "ok" {
		t.Fatalf("got %s: %s", status, reason)
	}
	var last fakeRequest
	for _, r := range f.requests() {
		if r.method == "REGISTER" {
			last = r
		}
	}
	if last.h.Get("Expires") != "0" || strings.Contains(last.h.Get("Contact"), "*") || last.h.Get("Authorization") == "" {
		t.Errorf("unregister sent Expires %q, Contact %q, Authorization %q; want 0, our own contact, credentials",
			last.h.Get("Expires"), last.h.Get("Contact"), last.h.Get("Authorization"))
	}
}

// TestDigestMatchesTheRFCExamples uses the worked examples of RFC 2617
// (MD5) and RFC 7616 (SHA-256).
func TestDigestMatchesTheRFCExamples(t *testing.T) {
	cases := []struct {
		name, want string
		ch         challenge
		password   string
		cnonce     string
	}{
		{"RFC 2617 section 3.5 with MD5", "6629fae49393a05397450978507c4ef1",
			challenge{realm: "testrealm@host.com", nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093", qopAuth: true, newHash: md5.New},
			"Circle Of Life", "0a4f113b"},
		{"RFC 7616 section 3.9.1 with SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
			challenge{realm: "http-auth@example.org", nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", qopAuth: true, newHash: sha256.New, algorithm: "SHA-256"},
			"Circle of Life", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.ch.authorization("GET", "/dir/index.html", "Mufasa", tc.password, 1, tc.cnonce)
			if !strings.Contains(got, `response="`+tc.want+`"`) {
				t.Errorf("got %s\nwant response %s", got, tc.want)
			}
		})
	}
}

func TestChallengeParsing(t *testing.T) {
	resp := &response{code: 401, reason: "Unauthorized", headers: map[string][]string{
		"Www-Authenticate": {`Basic realm="x"`, `Digest realm="pbx, main", nonce="n\"1", opaque="o", qop="auth-int,auth", algorithm=MD5`},
	}}
	ch, err := challengeOf(resp)
	if err != nil {
		t.Fatal(err)
	}
	if ch.realm != "pbx, main" || ch.nonce != `n"1` || ch.opaque != "o" || !ch.qopAuth || ch.answer != "Authorization" {
		t.Errorf("parsed %+v", ch)
	}
	resp.headers["Www-Authenticate"] = []string{`Digest realm="r", nonce="n", algorithm=SHA-512-256`}
	if _, err := challengeOf(resp); err == nil || err.Error() != "no supported digest challenge (algorithm SHA-512-256)" {
		t.Errorf("got %v for an unsupported algorithm", err)
	}
}
