//go:build unix

package sip

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startKamailioTLS runs kamailio with testdata/kamailio.cfg plus its TLS
// module, serving cert over TLS on a free loopback port.
func startKamailioTLS(t *testing.T, cert tlsFiles) string {
	t.Helper()
	base, err := os.ReadFile("testdata/kamailio.cfg")
	if err != nil {
		t.Fatal(err)
	}
	tlsPart := fmt.Sprintf("enable_tls=yes\nloadmodule \"tls.so\"\n"+
		"modparam(\"tls\", \"certificate\", \"%s\")\nmodparam(\"tls\", \"private_key\", \"%s\")\n"+
		"modparam(\"tls\", \"verify_certificate\", 0)\nmodparam(\"tls\", \"tls_method\", \"TLSv1.2+\")\n", cert.cert, cert.key)
	cfg := strings.Replace(string(base), "loadmodule \"sl.so\"", tlsPart+"loadmodule \"sl.so\"", 1)
	file := filepath.Join(t.TempDir(), "kamailio-tls.cfg")
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	listen := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	runKamailio(t, file, "-l", "tls:"+listen)
	return listen
}

// tlsFiles are a certificate and its key written as PEM files.
type tlsFiles struct{ cert, key string }

func writeTLSFiles(t *testing.T, certDER []byte, key any) tlsFiles {
	t.Helper()
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f := tlsFiles{cert: filepath.Join(dir, "cert.pem"), key: filepath.Join(dir, "key.pem")}
	for file, b := range map[string]*pem.Block{f.cert: {Type: "CERTIFICATE", Bytes: certDER}, f.key: {Type: "PRIVATE KEY", Bytes: keyDER}} {
		if err := os.WriteFile(file, pem.EncodeToMemory(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func TestAgainstKamailioOverTLS(t *testing.T) {
	ca := newTestCA(t)
	now := time.Now()
	cert := ca.issue(t, now.Add(-time.Hour), now.Add(24*time.Hour), "127.0.0.1", "localhost")
	addr := startKamailioTLS(t, writeTLSFiles(t, cert.Certificate[0], cert.PrivateKey))
	cases := []struct {
		name     string
		caPEM    []byte
		register *Register
		password string
		want     string
	}{
		{"OPTIONS over TLS is answered 200", ca.pem, nil, "", "ok: the phone system at PBX answers SIP OPTIONS (200 OK, T)"},
		{"REGISTER over TLS is challenged, then accepted", ca.pem, &Register{Extension: "900"}, kamailioPassword,
			"ok: the phone system at PBX answers SIP OPTIONS (200 OK, T); monitoring extension 900 registered and unregistered"},
		{"kamailio's certificate is not trusted without its CA", nil, nil, "",
			"fail: the TLS certificate of the phone system at PBX is not trusted: it is signed by an unknown authority (set ca_file to the CA that issued it)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := Config{Server: addr, Transport: "tls", Domain: "branch.example", Register: tc.register}
			chk, err := New(c, tc.caPEM, tc.password)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			out := chk.Run(ctx)
			if got := verdict(string(out.Status), out.Reason, addr); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
