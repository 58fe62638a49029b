package sqlite

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/klauspost/compress/s2"
)

// How descriptors are stored.
//
// A descriptor was stored as its JSON text, about 2.6 kB for a branch of
// 17 devices, twice: in its branches row and as a version in
// descriptor_history. A branches row then filled a 4 KiB page of its own,
// and a history row, past the ~1,000 bytes a WITHOUT ROWID row keeps in its
// b-tree page, took an overflow page besides: a branch's first contact
// wrote about three pages the later ones do not (WAL frames of a
// 5,000-branch first round: 18,100 against 9,200 a steady round, 12,400 of
// them descriptor pages).
//
// Both now hold a descriptor blob: descBlobVersion, the SHA-256 of the
// JSON, and the JSON as one S2 block (about 780 bytes for those 2.6 kB).
// Five branches rows share a page and a history row fits in its leaf. The
// digest lets the writer's statements tell an unchanged descriptor by
// comparing 33 bytes, whatever compressor wrote the block. Rows written as
// JSON text before stay as they are and read as they did: a blob starts
// with descBlobVersion, a JSON text with '{'.
const (
	descBlobVersion = 1
	// descStubVersion begins a history row that stands for the branch's
	// current descriptor (migration 16): the version and the digest,
	// nothing else.
	descStubVersion = 2
	// descPrefix is the length of the part the writer compares: the
	// version and the digest.
	descPrefix = 1 + 32
	// maxDescriptorJSON bounds the JSON a blob may claim to hold, so a
	// damaged blob cannot make a reader allocate gigabytes.
	maxDescriptorJSON = 16 << 20
)

// packDescriptor returns the blob stored for the descriptor whose JSON is
// js and whose SHA-256 is sum.
func packDescriptor(js []byte, sum [32]byte) []byte {
	out := make([]byte, descPrefix, descPrefix+max(s2.MaxEncodedLen(len(js)), 0))
	out[0] = descBlobVersion
	copy(out[1:], sum[:])
	return append(out, s2.Encode(out[descPrefix:cap(out)], js)...)
}

// descriptorStub returns the history row that stands for the descriptor,
// held by its branches row, whose JSON's SHA-256 is sum.
func descriptorStub(sum [32]byte) []byte {
	return append([]byte{descStubVersion}, sum[:]...)
}

// isStub reports whether a stored history row is a stub.
func isStub(v []byte) bool {
	return len(v) == descPrefix && v[0] == descStubVersion
}

// resolveVersion returns the JSON of a stored history row, v, whose
// branch's branches row holds current: a stub is read through current,
// which must be the descriptor it stands for.
func resolveVersion(v, current []byte) ([]byte, error) {
	if !isStub(v) {
		return unpackDescriptor(v)
	}
	if len(current) < descPrefix || current[0] != descBlobVersion || !bytes.Equal(current[1:descPrefix], v[1:]) {
		return nil, fmt.Errorf("%w: a version stands for the branch's current descriptor, which is another", errDescriptorBlob)
	}
	return unpackDescriptor(current)
}

// errDescriptorBlob reports a stored descriptor that is neither a blob of a
// known version nor JSON text.
var errDescriptorBlob = errors.New("stored descriptor is not a descriptor blob")

// unpackDescriptor returns the JSON of a stored descriptor, v (a blob, or
// JSON text written before descriptors were compressed).
func unpackDescriptor(v []byte) ([]byte, error) {
	if len(v) == 0 || v[0] != descBlobVersion {
		if len(bytes.TrimLeft(v, " \t\r\n")) == 0 {
			return nil, errDescriptorBlob
		}
		return v, nil
	}
	if len(v) < descPrefix {
		return nil, fmt.Errorf("%w: %d bytes", errDescriptorBlob, len(v))
	}
	block := v[descPrefix:]
	n, err := s2.DecodedLen(block)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errDescriptorBlob, err)
	}
	if n > maxDescriptorJSON {
		return nil, fmt.Errorf("%w: claims %d bytes of JSON", errDescriptorBlob, n)
	}
	js, err := s2.Decode(nil, block)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errDescriptorBlob, err)
	}
	return js, nil
}
