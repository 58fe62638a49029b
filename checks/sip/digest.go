package sip

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// challenge is a Digest challenge from WWW-Authenticate (401) or
// Proxy-Authenticate (407).
type challenge struct {
	answer    string // the header that carries the answer
	realm     string
	nonce     string
	opaque    string
	algorithm string // MD5 or SHA-256, as the server spelled it
	qopAuth   bool   // the server offers qop=auth
	newHash   func() hash.Hash
}

// challengeOf extracts the first usable Digest challenge of resp.
func challengeOf(resp *response) (challenge, error) {
	name, answer := "WWW-Authenticate", "Authorization"
	if resp.code == 407 {
		name, answer = "Proxy-Authenticate", "Proxy-Authorization"
	}
	values := resp.headers[canonical(name)]
	if len(values) == 0 {
		return challenge{}, fmt.Errorf("%s without a %s header", resp.status(), name)
	}
	var unsupported []string
	for _, v := range values {
		scheme, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
		if !strings.EqualFold(scheme, "Digest") {
			unsupported = append(unsupported, scheme)
			continue
		}
		ch, err := parseChallenge(rest)
		if err != nil {
			unsupported = append(unsupported, err.Error())
			continue
		}
		ch.answer = answer
		return ch, nil
	}
	return challenge{}, fmt.Errorf("no supported digest challenge (%s)", strings.Join(unsupported, ", "))
}

func parseChallenge(s string) (challenge, error) {
	p := authParams(s)
	ch := challenge{realm: p["realm"], nonce: p["nonce"], opaque: p["opaque"], algorithm: p["algorithm"]}
	switch strings.ToUpper(ch.algorithm) {
	case "", "MD5":
		ch.newHash = md5.New
	case "SHA-256":
		ch.newHash = sha256.New
	default:
		return ch, fmt.Errorf("algorithm %s", ch.algorithm)
	}
	if ch.nonce == "" {
		return ch, fmt.Errorf("a challenge without a nonce")
	}
	for _, q := range strings.Split(p["qop"], ",") {
		if strings.TrimSpace(q) == "auth" {
			ch.qopAuth = true
		}
	}
	return ch, nil
}

// authParams splits `realm="a, b", nonce="x", algorithm=MD5`.
func authParams(s string) map[string]string {
	out := map[string]string{}
	for s = strings.TrimSpace(s); s != ""; {
		k, rest, ok := strings.Cut(s, "=")
		if !ok {
			break
		}
		k = strings.ToLower(strings.TrimSpace(k))
		rest = strings.TrimSpace(rest)
		var v string
		if strings.HasPrefix(rest, `"`) {
			v, rest = quoted(rest[1:])
		} else {
			v, rest, _ = strings.Cut(rest, ",")
			v = strings.TrimSpace(v)
		}
		out[k] = v
		s = strings.TrimLeft(strings.TrimSpace(rest), ",")
		s = strings.TrimSpace(s)
	}
	return out
}

// quoted reads a quoted string up to its closing quote, honouring \"; it
// returns the value and what follows.
func quoted(s string) (string, string) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), ""
}

// authorization answers the challenge for method on uri (RFC 7616 3.4.1).
func (ch challenge) authorization(method, uri, user, password string, nc int, cnonce string) string {
	h := func(s string) string {
		x := ch.newHash()
		x.Write([]byte(s))
		return hex.EncodeToString(x.Sum(nil))
	}
	ha1 := h(user + ":" + ch.realm + ":" + password)
	ha2 := h(method + ":" + uri)
	var b strings.Builder
	fmt.Fprintf(&b, `Digest username="%s", realm="%s", nonce="%s", uri="%s"`, user, ch.realm, ch.nonce, uri)
	if ch.qopAuth {
		ncs := fmt.Sprintf("%08x", nc)
		fmt.Fprintf(&b, `, response="%s", cnonce="%s", qop=auth, nc=%s`,
			h(ha1+":"+ch.nonce+":"+ncs+":"+cnonce+":auth:"+ha2), cnonce, ncs)
	} else {
		fmt.Fprintf(&b, `, response="%s"`, h(ha1+":"+ch.nonce+":"+ha2))
	}
	if ch.algorithm != "" {
		fmt.Fprintf(&b, ", algorithm=%s", ch.algorithm)
	}
	if ch.opaque != "" {
		fmt.Fprintf(&b, `, opaque="%s"`, ch.opaque)
	}
	return b.String()
}
