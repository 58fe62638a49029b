package sqlite

import (
	"context"
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
