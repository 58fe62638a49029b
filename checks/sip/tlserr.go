package sip

import (
	"crypto/x509"
	"errors"
	"strings"
	"time"

	"github.com/branchready/branchready/checks"
)

// certFailure words why the phone system's TLS certificate was refused, so
// that whoever reads the reason knows what to fix; ok is false when err is
// not a certificate problem.
func (c *Check) certFailure(err error) (checks.Outcome, bool) {
	var (
		unknown  x509.UnknownAuthorityError
		invalid  x509.CertificateInvalidError
		hostname x509.HostnameError
	)
	switch {
	case errors.As(err, &unknown):
		return checks.Fail("the TLS certificate of the phone system at %s is not trusted: it is signed by an unknown authority (set ca_file to the CA that issued it)", c.server), true
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired && invalid.Cert != nil:
		return c.certTimeFailure(invalid.Cert), true
	case errors.As(err, &invalid):
		return checks.Fail("the TLS certificate of the phone system at %s is not valid: %v", c.server, invalid), true
	case errors.As(err, &hostname) && hostname.Certificate != nil:
		return checks.Fail("the TLS certificate of the phone system at %s is for %s, not %s (set tls_server_name to the name it carries)",
			c.server, certNames(hostname.Certificate), c.tls.ServerName), true
	}
	return checks.Outcome{}, false
}

// certTimeFailure tells an expired certificate from one not valid yet: the
// first is the phone system's to renew, the second usually a wrong clock.
func (c *Check) certTimeFailure(cert *x509.Certificate) checks.Outcome {
	const day = "2006-01-02"
	if time.Now().Before(cert.NotBefore) {
		return checks.Fail("the TLS certificate of the phone system at %s is not valid before %s: check the clocks of this PC and the phone system",
			c.server, cert.NotBefore.UTC().Format(day))
	}
	return checks.Fail("the TLS certificate of the phone system at %s expired on %s", c.server, cert.NotAfter.UTC().Format(day))
}

// certNames lists the names a certificate is valid for.
func certNames(cert *x509.Certificate) string {
	names := append([]string(nil), cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return "no name"
	}
	return strings.Join(names, ", ")
}
