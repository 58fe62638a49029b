package ingest

import (
	"fmt"
	"testing"

	"github.com/branchready/branchready/result"
)

func TestARepeatedIDInABatchIsCountedOnceWhateverTheBatchSize(t *testing.T) {
	for _, size := range []int{3, smallBatch, smallBatch + 1, 90} {
		t.Run(fmt.Sprintf("a batch of %d results with its first id repeated at the end stores %d", size+1, size), func(t *testing.T) {
			srv, st, _ := setup(t)
			rs := make([]result.Result, 0, size+1)
			for i := range size {
				rs = append(rs, res(fmt.Sprintf("r-%03d", i), "lon"))
			}
			rs = append(rs, rs[0])
			code, got := post(t, srv.URL, tokLondon, batch("lon", rs...), true)
			if want := fmt.Sprintf(`{"accepted":%d,"duplicates":1}`, size); code != 200 || got != want {
				t.Fatalf("got %d %s, want 200 %s", code, got, want)
			}
			st.mu.Lock()
			defer st.mu.Unlock()
			if len(st.results) != size {
				t.Fatalf("%d results stored, want %d", len(st.results), size)
			}
		})
	}
}
