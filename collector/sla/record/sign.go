package record

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
)

// ErrTampered is wrapped by every verification failure that means the
// record is not what the collector signed.
var ErrTampered = errors.New("record tampered with")

// Canonical is the record's canonical encoding (see the package doc).
func Canonical(r Record) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("encode record: %w", err)
	}
	return b.Bytes(), nil
}

// Sign signs r with key and returns the file to serve: the canonical
// encoding of the record with its signature.
func Sign(r Record, key ed25519.PrivateKey) ([]byte, error) {
	r.Signature = nil
	body, err := Canonical(r)
	if err != nil {
		return nil, err
	}
	pub := key.Public().(ed25519.PublicKey)
	r.Signature = &Signature{Algorithm: "ed25519", KeyID: KeyID(pub), PublicKey: base64.StdEncoding.EncodeToString(pub),
		Value: base64.StdEncoding.EncodeToString(ed25519.Sign(key, body))}
	return Canonical(r)
}

// KeyID names a public key: the first 16 hex digits of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// Verify checks a record file. When pub is nil the record's own public
// key is used, which proves the file is intact but not who signed it.
func Verify(file []byte, pub ed25519.PublicKey) (Record, error) {
	var r Record
	dec := json.NewDecoder(bytes.NewReader(file))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, fmt.Errorf("%w: not a record: %v", ErrTampered, err)
	}
	if r.Format != Format {
		return r, fmt.Errorf("%w: format %q, want %q", ErrTampered, r.Format, Format)
	}
	if r.Signature == nil {
		return r, fmt.Errorf("%w: it carries no signature", ErrTampered)
	}
	again, err := Canonical(r)
	if err != nil {
		return r, err
	}
	if !bytes.Equal(again, file) {
		return r, fmt.Errorf("%w: byte %d differs from the collector's canonical encoding", ErrTampered, firstDiff(again, file))
	}
	sig := *r.Signature
	// Strict: base64's unused trailing bits must be zero, or a changed last
	// character would decode to the same key or signature.
	embedded, err := base64.StdEncoding.Strict().DecodeString(sig.PublicKey)
	if err != nil || len(embedded) != ed25519.PublicKeySize {
		return r, fmt.Errorf("%w: the signature's public key is not a 32-byte base64 Ed25519 key", ErrTampered)
	}
	if pub != nil && !bytes.Equal(pub, embedded) {
		return r, fmt.Errorf("%w: signed by key %s, not by the given key %s", ErrTampered, KeyID(embedded), KeyID(pub))
	}
	value, err := base64.StdEncoding.Strict().DecodeString(sig.Value)
	if err != nil || sig.Algorithm != "ed25519" || sig.KeyID != KeyID(embedded) {
		return r, fmt.Errorf("%w: the signature block is malformed", ErrTampered)
	}
	r.Signature = nil
	body, err := Canonical(r)
	if err != nil {
		return r, err
	}
	r.Signature = &sig
	if !ed25519.Verify(embedded, body, value) {
		return r, fmt.Errorf("%w: the Ed25519 signature does not match the content", ErrTampered)
	}
	return r, nil
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// EncodePrivateKey returns key as a PEM "PRIVATE KEY" block (PKCS #8), the
// form openssl reads too; EncodePublicKey the matching "PUBLIC KEY" (PKIX).
func EncodePrivateKey(key ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// EncodePublicKey returns pub as a PEM "PUBLIC KEY" block.
func EncodePublicKey(pub ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParsePrivateKey reads a PEM PKCS #8 Ed25519 private key.
func ParsePrivateKey(b []byte) (ed25519.PrivateKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, errors.New("not a PEM PRIVATE KEY block")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse private key: %w", err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("private key is %T, want Ed25519", k)
	}
	return ek, nil
}

// ParsePublicKey reads a PEM PKIX Ed25519 public key.
func ParsePublicKey(b []byte) (ed25519.PublicKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, errors.New("not a PEM PUBLIC KEY block")
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	ek, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("public key is %T, want Ed25519", k)
	}
	return ek, nil
}
