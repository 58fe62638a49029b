package sqlite

import (
	"context"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// TestDescriptorsSurviveAReopen holds a restarted writer, which no longer
// knows which descriptors it stored, to the history a running one keeps:
// a descriptor sent again adds no version, a changed one adds one, and the
// branch reads with the latest.
func TestDescriptorsSurviveAReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "d.db")
	v1, v2 := wideDescriptor(), wideDescriptor()
	v2.Name = "Rivoli (moved)"
	at := func(minutes int) store.Contact {
		return store.Contact{At: benchStart.Add(time.Duration(minutes) * time.Minute), AgentVersion: "1.4.2"}
	}
	// The descriptors each opening of the store is sent, and when.
	puts := [][]struct {
		d       *result.Descriptor
		minutes int
	}{{{v1, 0}}, {{v1, 1}, {v2, 2}}, {{v2, 3}}}
	for round, ps := range puts {
		s, err := Open(ctx, path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if err := s.PutBranch(ctx, "br-a", p.d, at(p.minutes)); err != nil {
				t.Fatalf("open %d: %v", round+1, err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	vs, err := s.DescriptorVersions(ctx, "br-a")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || !vs[0].EffectiveAt.Equal(at(0).At) || !vs[1].EffectiveAt.Equal(at(2).At) || vs[1].Descriptor.Name != v2.Name {
		t.Fatalf("versions %+v; want the first at minute 0 and the moved one at minute 2", vs)
	}
	b, err := s.Branch(ctx, "br-a")
	if err != nil || !reflect.DeepEqual(b.Descriptor, v2) {
		t.Fatalf("Branch = %+v, %v; want the moved descriptor", b.Descriptor, err)
	}
}

// TestADescriptorHandedAsJSONIsStoredAsSent holds WriteBatchJSON, the
// path ingest takes, to WriteBatch: the agent's bytes (blanks and all) are
// stored and read back as the descriptor they encode, the store then
// knows them by their SHA-256, the same bytes again add no version, and a
// batch without a descriptor keeps the stored one.
func TestADescriptorHandedAsJSONIsStoredAsSent(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "j.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	raw := "{\n  \"name\": \"Rivoli\",\n  \"region\": \"Paris\",\n  \"devices\": [ ]\n}"
	sum := sha256.Sum256([]byte(raw))
	at := func(minutes int) store.Contact {
		return store.Contact{At: benchStart.Add(time.Duration(minutes) * time.Minute), AgentVersion: "1.4.2"}
	}
	steps := []struct {
		desc string
		sum  [32]byte
	}{{raw, sum}, {raw, sum}, {"", [32]byte{}}}
	for i, st := range steps {
		r := result.Result{ID: fmt.Sprintf("r%d", i), Branch: "br-j", Device: "atm-1", Check: "reachable", Kind: "tcp",
			Status: result.StatusOK, StartedAt: at(i).At, Reason: "ok"}
		if _, _, err := s.WriteBatchJSON(ctx, "br-j", []result.Result{r}, at(i).At, st.desc, st.sum, at(i)); err != nil {
			t.Fatalf("batch %d: %v", i+1, err)
		}
	}
	if !s.HasDescriptor("br-j", sum) {
		t.Error("the store does not know the descriptor it stored by the SHA-256 of the bytes it was handed")
	}
	b, err := s.Branch(ctx, "br-j")
	if err != nil || b.Descriptor == nil || b.Descriptor.Name != "Rivoli" || b.Descriptor.Region != "Paris" {
		t.Fatalf("Branch = %+v, %v; want Rivoli in Paris", b.Descriptor, err)
	}
	vs, err := s.DescriptorVersions(ctx, "br-j")
	if err != nil || len(vs) != 1 || vs[0].Descriptor.Name != "Rivoli" {
		t.Fatalf("versions %+v, %v; want one, Rivoli's", vs, err)
	}
}
