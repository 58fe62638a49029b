package collector

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writePair writes a self-signed certificate for name and its key, and
// stamps both files with mod so that a rewrite is seen whatever the file
// system's time resolution.
func writePair(t *testing.T, certFile, keyFile, name string, mod time.Time) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})))
	for _, f := range []string{certFile, keyFile} {
		if err := os.Chtimes(f, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
}

func servedName(t *testing.T, c *certificate) string {
	t.Helper()
	cert, err := c.GetCertificate(&tls.ClientHelloInfo{})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return leaf.Subject.CommonName
}

func TestARotatedCertificateIsServedWithoutARestart(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	day := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	writePair(t, certFile, keyFile, "old.example", day)
	c, err := newCertificate(certFile, keyFile, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if got := servedName(t, c); got != "old.example" {
		t.Fatalf("serving %q, want old.example", got)
	}

	writePair(t, certFile, keyFile, "new.example", day.Add(24*time.Hour))
	if got := servedName(t, c); got != "new.example" {
		t.Errorf("after the files were replaced, serving %q, want new.example", got)
	}

	writeFile(t, keyFile, "half-written key")
	if err := os.Chtimes(keyFile, day.Add(48*time.Hour), day.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := servedName(t, c); got != "new.example" {
		t.Errorf("with a broken key file, serving %q, want the previous new.example", got)
	}
}
