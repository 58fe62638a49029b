package sqlite

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"os"
	"strconv"
	"testing"
	"time"
)

// goldenDescriptorBlob is a descriptor blob as version 1 stores it, the
// JSON of wideDescriptor: pinned, so blobs already on disk keep reading
// whatever the compressor writes tomorrow. It seeds FuzzUnpackDescriptor.
const goldenDescriptorBlob = "testdata/descriptor-v1.blob"

func TestDescriptorBlobs(t *testing.T) {
	js, err := json.Marshal(wideDescriptor())
	if err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile(goldenDescriptorBlob)
	if err != nil {
		t.Fatal(err)
	}
	if strconv.Itoa(descPrefix) != descPrefixSQL {
		t.Fatalf("the statements compare %s bytes of a blob; its prefix is %d", descPrefixSQL, descPrefix)
	}
	packed := packDescriptor(js, sha256.Sum256(js))
	for _, c := range []struct {
		name   string
		stored []byte
	}{
		{"a blob packed now reads back as its JSON", packed},
		{"the golden blob of version 1 reads as the same JSON", golden},
		{"JSON text stored before descriptors were compressed reads as it is", js},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := unpackDescriptor(c.stored)
			if err != nil || !bytes.Equal(got, js) {
				t.Fatalf("unpack = %q, %v; want %q", got, err, js)
			}
		})
	}
	t.Run("a blob is a third of its JSON and carries the JSON's digest", func(t *testing.T) {
		sum := sha256.Sum256(js)
		if len(packed)*3 > len(js) || !bytes.Equal(packed[1:descPrefix], sum[:]) {
			t.Fatalf("%d bytes for %d of JSON, prefix %x", len(packed), len(js), packed[:descPrefix])
		}
	})
	t.Run("a stub reads as the current descriptor it stands for, and no other", func(t *testing.T) {
		stub := descriptorStub(sha256.Sum256(js))
		if got, err := resolveVersion(stub, packed); err != nil || !bytes.Equal(got, js) {
			t.Fatalf("resolve = %q, %v; want %q", got, err, js)
		}
		other := packDescriptor([]byte(`{"name":"x"}`), sha256.Sum256([]byte(`{"name":"x"}`)))
		for _, current := range [][]byte{other, nil, js} {
			if got, err := resolveVersion(stub, current); err == nil {
				t.Errorf("resolve through %q = %q; want an error", current, got)
			}
		}
	})
	for _, bad := range [][]byte{nil, {}, {descBlobVersion}, append([]byte{descBlobVersion}, make([]byte, 40)...), []byte(" \n")} {
		if got, err := unpackDescriptor(bad); err == nil {
			t.Errorf("unpack(%q) = %q; want an error", bad, got)
		}
	}
}

func FuzzUnpackDescriptor(f *testing.F) {
	golden, err := os.ReadFile(goldenDescriptorBlob)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	f.Add(golden[:len(golden)/2])
	f.Add([]byte(`{"name":"x"}`))
	f.Add(descriptorStub([32]byte{}))
	f.Fuzz(func(t *testing.T, stored []byte) {
		js, err := unpackDescriptor(stored)
		if err != nil {
			return
		}
		if len(stored) > 0 && stored[0] == descBlobVersion {
			sum := sha256.Sum256(js)
			if again, err := unpackDescriptor(packDescriptor(js, sum)); err != nil || !bytes.Equal(again, js) {
				t.Fatalf("repacked %q reads %q, %v", js, again, err)
			}
		}
	})
}

func timeMinutes(n int) time.Duration { return time.Duration(n) * time.Minute }
