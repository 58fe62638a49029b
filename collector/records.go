package collector

import (
	"crypto/ed25519"
	"fmt"
	"os"

	"github.com/branchready/branchready/collector/sla/record"
)

// SigningKey reads the records' signing key; nil when none is configured.
func (c RecordsConfig) SigningKey() (ed25519.PrivateKey, error) {
	if c.SigningKeyFile == "" {
		return nil, nil
	}
	b, err := os.ReadFile(c.SigningKeyFile)
	if err != nil {
		return nil, fmt.Errorf("records.signing_key_file: %w", err)
	}
	k, err := record.ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("records.signing_key_file %s: %w", c.SigningKeyFile, err)
	}
	return k, nil
}
