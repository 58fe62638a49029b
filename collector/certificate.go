package collector

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// certificate serves the collector's TLS certificate and re-reads its files
// when they change, so that a bank rotating certificates needs no restart.
// Each handshake stats the two files (cheap beside the handshake itself); a
// change of size or modification time loads them again. A pair that does
// not load (the key written before the certificate, say) is logged and the
// previous certificate keeps serving until a later handshake finds a good
// pair.
type certificate struct {
	log *slog.Logger

	mu                sync.Mutex
	certFile, keyFile string
	stamp             [2]fileStamp
	cert              *tls.Certificate
	lastErr           string
}

type fileStamp struct {
	size int64
	mod  time.Time
}

// newCertificate loads the pair once; an error here stops the collector.
func newCertificate(certFile, keyFile string, log *slog.Logger) (*certificate, error) {
	c := &certificate{log: log}
	if err := c.use(certFile, keyFile); err != nil {
		return nil, err
	}
	return c, nil
}

// use switches to a (possibly new) pair of files, loading them now.
func (c *certificate) use(certFile, keyFile string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	stamp, err := stamps(certFile, keyFile)
	if err != nil {
		return err
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	c.certFile, c.keyFile, c.stamp, c.cert, c.lastErr = certFile, keyFile, stamp, &cert, ""
	return nil
}

// GetCertificate is tls.Config.GetCertificate.
func (c *certificate) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	stamp, err := stamps(c.certFile, c.keyFile)
	if err == nil && stamp != c.stamp {
		var cert tls.Certificate
		if cert, err = tls.LoadX509KeyPair(c.certFile, c.keyFile); err == nil {
			c.stamp, c.cert, c.lastErr = stamp, &cert, ""
			c.log.Info("tls certificate re-read: its files changed", "cert_file", c.certFile)
		}
	}
	if err != nil && err.Error() != c.lastErr {
		c.lastErr = err.Error() // log a bad pair once, not on every handshake
		c.log.Error("tls certificate files changed but do not load; still serving the previous certificate", "err", err)
	}
	return c.cert, nil
}

func stamps(certFile, keyFile string) ([2]fileStamp, error) {
	var out [2]fileStamp
	for i, f := range []string{certFile, keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return out, fmt.Errorf("tls: %w", err)
		}
		out[i] = fileStamp{fi.Size(), fi.ModTime()}
	}
	return out, nil
}
