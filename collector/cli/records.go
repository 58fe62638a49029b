package cli

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/branchready/branchready/collector/sla/record"
	"github.com/branchready/branchready/command"
)

// cannotCheck is a verify-record failure that says nothing about the
// record (a file that cannot be read): exit code 2, not 1.
type cannotCheck struct{ err error }

func (c cannotCheck) Error() string { return c.err.Error() }
func (c cannotCheck) Unwrap() error { return c.err }

// keygen writes a new Ed25519 key pair for signing pre-opening records.
func keygen(args []string, stdout, stderr io.Writer) error {
	fs := command.Flags(program, "keygen", "--out FILE", stderr)
	out := fs.String("out", "records.key", "private key `file` to write (PEM, mode 0600); the public key goes beside it as .pub")
	if err := fs.Parse(args); err != nil {
		return command.ParseError(err)
	}
	pub, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		return fmt.Errorf("keygen: %w", err)
	}
	kb, err := record.EncodePrivateKey(key)
	if err != nil {
		return err
	}
	pb, err := record.EncodePublicKey(pub)
	if err != nil {
		return err
	}
	pubPath := strings.TrimSuffix(*out, filepath.Ext(*out)) + ".pub"
	// O_EXCL: never overwrite a key that may have signed records already.
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("keygen: %w", err)
	}
	if _, err := f.Write(kb); err != nil {
		f.Close()
		return fmt.Errorf("keygen: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("keygen: %w", err)
	}
	if err := os.WriteFile(pubPath, pb, 0o644); err != nil {
		return fmt.Errorf("keygen: %w", err)
	}
	fmt.Fprintf(stdout, "private key %s (keep it secret; key id %s)\npublic key  %s (give it to whoever checks records)\ncollector config:\n  records: {signing_key_file: %s}\n",
		*out, record.KeyID(pub), pubPath, *out)
	return nil
}

// verifyRecord checks a signed pre-opening record: exit 0 valid, 1
// tampered with (the reason on stderr), 2 when it cannot be checked.
func verifyRecord(args []string, stdout, stderr io.Writer) error {
	fs := command.Flags(program, "verify-record", "FILE [--public-key FILE]", stderr)
	pubFile := fs.String("public-key", "", "the collector's public key `file` (PEM); without it the key in the record is used, which proves the file intact but not who signed it")
	if err := fs.Parse(args); err != nil {
		return command.ParseError(err)
	}
	if fs.NArg() < 1 {
		fmt.Fprintln(stderr, "missing the record FILE")
		fs.Usage()
		return errUsage
	}
	path := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil || fs.NArg() > 0 {
		return errUsage
	}
	file, err := os.ReadFile(path)
	if err != nil {
		return cannotCheck{fmt.Errorf("verify-record: %w", err)}
	}
	var pub ed25519.PublicKey
	if *pubFile != "" {
		b, err := os.ReadFile(*pubFile)
		if err != nil {
			return cannotCheck{fmt.Errorf("verify-record: %w", err)}
		}
		if pub, err = record.ParsePublicKey(b); err != nil {
			return cannotCheck{fmt.Errorf("verify-record: %s: %w", *pubFile, err)}
		}
	}
	r, err := record.Verify(file, pub)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	whose := "the key in the record (pass --public-key to check whose it is)"
	if pub != nil {
		whose = "the given public key"
	}
	fmt.Fprintf(stdout, "%s: valid: %s %s %s, verdict %s, signed by key %s, checked with %s\n",
		path, r.Branch, r.Date, r.BranchName, r.Verdict, r.Signature.KeyID, whose)
	return nil
}

// exitCode maps a command's error to its exit code beyond usage errors.
func exitCode(err error) int {
	var cc cannotCheck
	if errors.As(err, &cc) {
		return 2
	}
	return 1
}
