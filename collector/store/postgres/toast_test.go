package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
	"github.com/branchready/branchready/result"
)

// TestTOASTCompression checks the compression method of what the store
// writes: lz4 on Debian's server (built with it), unless the DSN chooses.
// The value checked is a large descriptor: chunk bodies are compressed by
// the chunk encoding itself (version 2) and seldom reach the TOAST
// threshold any more.
func TestTOASTCompression(t *testing.T) {
	srv := pgtest.Start(t)
	ctx := context.Background()
	for _, c := range []struct {
		name, dsnTail, want string
	}{
		{"a store compresses what it TOASTs with lz4 when the server has it", "", "lz4"},
		{"a DSN that chooses a method keeps it", " default_toast_compression=pglz", "pglz"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := open(t, srv.NewDatabase(t)+c.dsnTail)
			defer s.Close()
			d := &result.Descriptor{Name: "Flagship", Calendar: calendar.Spec{Timezone: "UTC"}}
			for i := range 200 { // some 20 KB of JSON, far beyond the TOAST threshold
				d.Devices = append(d.Devices, result.Device{ID: fmt.Sprintf("kiosk-%03d", i), Kind: "http",
					Criticality: result.Degrading, Checks: []result.CheckRef{{Name: "reachable"}}})
			}
			if err := s.PutBranch(ctx, "br-1", d, store.Contact{At: time.Now(), AgentVersion: "1.0.0", ConfigHash: "h"}); err != nil {
				t.Fatal(err)
			}
			var got string
			if err := s.pool.QueryRow(ctx, `SELECT pg_column_compression(descriptor_json) FROM branches WHERE id = 'br-1'`).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("descriptor compressed with %q, want %q", got, c.want)
			}
		})
	}
}
