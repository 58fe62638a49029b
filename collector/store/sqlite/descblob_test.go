package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
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

// TestDescriptorsStoredAsTextStayReadable holds the store to what
// compressing descriptors promises a database written before: descriptors
// stored as JSON text read as they did, the same descriptor sent again
// after the upgrade adds no version and leaves the row as it is, and a
// changed one adds a version stored as a blob.
func TestDescriptorsStoredAsTextStayReadable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "d.db")
	v1, v2 := wideDescriptor(), wideDescriptor()
	v2.Name = "Rivoli (moved)"
	js1, err := json.Marshal(v1)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	contact := func(minutes int) store.Contact {
		return store.Contact{At: benchStart.Add(timeMinutes(minutes)), AgentVersion: "1.4.2"}
	}
	// As the store before this version wrote a branch's first descriptor.
	if err := s.PutBranch(ctx, "br-a", nil, contact(0)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.db.ExecContext(ctx, `INSERT INTO branches (id, descriptor) VALUES ('br-a', ?)`, string(js1)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.db.ExecContext(ctx, `INSERT INTO descriptor_history (branch, effective_at, descriptor) VALUES ('br-a', ?, ?)`,
		contact(0).At.UnixNano(), string(js1)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b, err := s.Branch(ctx, "br-a")
	if err != nil || !reflect.DeepEqual(b.Descriptor, v1) {
		t.Fatalf("Branch = %+v, %v; want the descriptor stored as text", b.Descriptor, err)
	}
	if err := s.PutBranch(ctx, "br-a", v1, contact(1)); err != nil {
		t.Fatal(err)
	}
	var kind string
	if err := s.rdb.QueryRowContext(ctx, `SELECT typeof(descriptor) FROM branches WHERE id = 'br-a'`).Scan(&kind); err != nil || kind != "text" {
		t.Fatalf("the unchanged descriptor is stored as %q (%v); want the text left as it is", kind, err)
	}
	if err := s.PutBranch(ctx, "br-a", v2, contact(2)); err != nil {
		t.Fatal(err)
	}
	vs, err := s.DescriptorVersions(ctx, "br-a")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || !reflect.DeepEqual(vs[0].Descriptor, v1) || !reflect.DeepEqual(vs[1].Descriptor, v2) ||
		!vs[0].EffectiveAt.Equal(contact(0).At) || !vs[1].EffectiveAt.Equal(contact(2).At) {
		t.Fatalf("versions %+v; want the text one at minute 0 and the moved one at minute 2", vs)
	}
	var kinds string
	if err := s.rdb.QueryRowContext(ctx, `SELECT group_concat(typeof(descriptor)) FROM (SELECT descriptor FROM descriptor_history ORDER BY effective_at)`).Scan(&kinds); err != nil || kinds != "text,blob" {
		t.Fatalf("history stored as %q (%v); want the old version as text, the new one as a blob", kinds, err)
	}
	if b, err := s.Branch(ctx, "br-a"); err != nil || !reflect.DeepEqual(b.Descriptor, v2) {
		t.Fatalf("Branch = %+v, %v; want the moved descriptor", b.Descriptor, err)
	}
}

func timeMinutes(n int) time.Duration { return time.Duration(n) * time.Minute }
