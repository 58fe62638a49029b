package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store/postgres/pgtest"
)

// TestTOASTCompression checks the compression method of what the store
// writes: lz4 on Debian's server (built with it), unless the DSN chooses.
func TestTOASTCompression(t *testing.T) {
	srv := pgtest.Start(t)
	ctx := context.Background()
	day := time.Now().UTC().Truncate(24 * time.Hour).Add(7 * time.Hour)
	for _, c := range []struct {
		name, dsnTail, want string
	}{
		{"a store compresses its chunks with lz4 when the server has it", "", "lz4"},
		{"a DSN that chooses a method keeps it", " default_toast_compression=pglz", "pglz"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := open(t, srv.NewDatabase(t)+c.dsnTail)
			defer s.Close()
			rs := wave(day, 40) // some 4 KiB of chunk, beyond the TOAST threshold
			for i := range rs {
				rs[i].Branch = "br-1"
			}
			if _, _, err := s.WriteResults(ctx, rs, day); err != nil {
				t.Fatal(err)
			}
			var got string
			if err := s.pool.QueryRow(ctx, `SELECT pg_column_compression(body) FROM result_chunks`).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("chunk body compressed with %q, want %q", got, c.want)
			}
		})
	}
}
