package sip

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"
)

// testCA issues certificates for the TLS fake PBX.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "branch test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue makes a server certificate for names (IP addresses or DNS names)
// valid from notBefore to notAfter.
func (ca *testCA) issue(t *testing.T, notBefore, notAfter time.Time, names ...string) tls.Certificate {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "pbx"},
		NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// startFakeTLS runs the fake PBX behind a TLS listener on loopback.
func startFakeTLS(t *testing.T, cert tls.Certificate, h handler) *fakePBX {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	f := &fakePBX{addr: ln.Addr().String(), handle: h}
	go f.serveTCP(ln)
	return f
}

func TestTLS(t *testing.T) {
	ca := newTestCA(t)
	now := time.Now()
	valid := ca.issue(t, now.Add(-time.Hour), now.Add(24*time.Hour), "127.0.0.1", "localhost")
	expired := ca.issue(t, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC), "127.0.0.1")
	notYet := ca.issue(t, now.Add(72*time.Hour), now.Add(96*time.Hour), "127.0.0.1")
	otherName := ca.issue(t, now.Add(-time.Hour), now.Add(24*time.Hour), "pbx.example")
	reg := &Register{Extension: "900"}
	cases := []struct {
		name       string
		cert       tls.Certificate
		caPEM      []byte
		serverName string
		register   *Register
		want       string
	}{
		{"OPTIONS over TLS to a trusted certificate is ok", valid, ca.pem, "", nil,
			"ok: the phone system at PBX answers SIP OPTIONS (200 OK, T)"},
		{"the certificate may be checked for a DNS name", valid, ca.pem, "localhost", nil,
			"ok: the phone system at PBX answers SIP OPTIONS (200 OK, T)"},
		{"a REGISTER over TLS is challenged, then accepted", valid, ca.pem, "", reg,
			"ok: the phone system at PBX answers SIP OPTIONS (200 OK, T); monitoring extension 900 registered and unregistered"},
		{"a certificate from an unknown CA is not trusted", valid, nil, "", nil,
			"fail: the TLS certificate of the phone system at PBX is not trusted: it is signed by an unknown authority (set ca_file to the CA that issued it)"},
		{"an expired certificate says when it expired", expired, ca.pem, "", nil,
			"fail: the TLS certificate of the phone system at PBX expired on 2021-03-01"},
		{"a certificate not valid yet points at the clocks", notYet, ca.pem, "", nil,
			"fail: the TLS certificate of the phone system at PBX is not valid before " + now.Add(72*time.Hour).UTC().Format("2006-01-02") +
				": check the clocks of this PC and the phone system"},
		{"a certificate for another name says which names it carries", otherName, ca.pem, "", nil,
			"fail: the TLS certificate of the phone system at PBX is for pbx.example, not 127.0.0.1 (set tls_server_name to the name it carries)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := startFakeTLS(t, tc.cert, registrar("900", "s3cret", false))
			c := Config{Server: f.addr, Transport: "tls", TLSServerName: tc.serverName, Register: tc.register}
			chk, err := New(c, tc.caPEM, "s3cret")
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			out := chk.Run(ctx)
			if got := verdict(string(out.Status), out.Reason, f.addr); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			reqs := f.requests()
			switch {
			case out.Status != "ok" && len(reqs) > 0:
				t.Errorf("the server saw %d requests over a connection the check should not trust", len(reqs))
			case out.Status == "ok" && !strings.HasPrefix(reqs[0].h.Get("Via"), "SIP/2.0/TLS "):
				t.Errorf("Via %q does not name TLS", reqs[0].h.Get("Via"))
			}
		})
	}
}
