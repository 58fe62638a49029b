package http

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"syscall"
	"time"

	"github.com/branchready/branchready/checks"
)

// certificate judges the remaining life of the certificate closest to expiry.
func (c *Check) certificate(seen *seenCert, now time.Time) (checks.Outcome, bool) {
	cert := seen.cert
	left := cert.NotAfter.Sub(now)
	days := left.Hours() / 24
	switch {
	case left < c.cert:
		return checks.Fail("TLS certificate of %s expires in %.1f days (%s)", seen.url, days, cert.NotAfter.Format(time.DateOnly)), true
	case left < c.certDeg:
		return checks.Degraded("TLS certificate of %s expires soon: in %.1f days (%s)", seen.url, days, cert.NotAfter.Format(time.DateOnly)), true
	}
	return checks.Outcome{}, false
}

// timeoutReason is how a step that ran out of time reads.
const timeoutReason = "no answer before the check's timeout"

// requestReason words a client error for a person.
func requestReason(ctx context.Context, err error) string {
	var certErr *tls.CertificateVerificationError
	var invalid x509.CertificateInvalidError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	switch {
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired && invalid.Cert != nil:
		if time.Now().After(invalid.Cert.NotAfter) {
			return "TLS certificate expired on " + invalid.Cert.NotAfter.UTC().Format(time.DateOnly)
		}
		return "TLS certificate is not valid before " + invalid.Cert.NotBefore.UTC().Format(time.DateOnly)
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "TLS certificate has expired or is not yet valid"
	case errors.As(err, &unknown):
		return "TLS certificate is not trusted (unknown authority)"
	case errors.As(err, &host):
		return "TLS certificate does not match the host name: " + host.Error()
	case errors.As(err, &certErr):
		return "TLS certificate is invalid: " + certErr.Err.Error()
	case ctx.Err() != nil:
		return timeoutReason
	}
	return netReason(err)
}

// netReason words a connection failure without Go's "Get \"URL\": dial
// tcp ADDR:" prefix: the reason already names the method and the URL.
func netReason(err error) string {
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused (is the site up, and the address and port right?)"
	case errors.Is(err, syscall.ECONNRESET):
		return "the server reset the connection"
	case errors.As(err, &dns) && dns.IsNotFound:
		return "cannot find " + dns.Name + " in DNS"
	case errors.As(err, &dns):
		return "cannot look " + dns.Name + " up in DNS: " + dns.Err
	case errors.As(err, &op) && op.Err != nil:
		return op.Err.Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
