package checks

import (
	"crypto/tls"
	"crypto/x509"
)

// TLSConfig is the client TLS configuration kinds share: TLS 1.2 or later,
// trusting the system CAs plus caPEM (the content of the kind's ca_file,
// read by the registry). A ca_file without certificates is reported on p.
func TLSConfig(p *Problems, caPEM []byte, caFile string) *tls.Config {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(caPEM) == 0 {
		return conf
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(caPEM) {
		p.Addf("ca_file", "%q: holds no PEM certificate", caFile)
	}
	conf.RootCAs = pool
	return conf
}
