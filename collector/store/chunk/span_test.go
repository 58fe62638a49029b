package chunk

import (
	"fmt"
	"slices"
	"testing"

	"github.com/branchready/branchready/result"
)

func TestFirstCopiesKeepsTheFirstCopyOfEachID(t *testing.T) {
	withIDs := func(ids ...string) []result.Result {
		rs := make([]result.Result, len(ids))
		for i, id := range ids {
			rs[i] = result.Result{ID: id, Reason: fmt.Sprint("copy ", i)}
		}
		return rs
	}
	many := func(n int, repeatAt int) []string {
		ids := make([]string, n)
		for i := range ids {
			ids[i] = fmt.Sprint("r", i)
		}
		if repeatAt >= 0 {
			ids[repeatAt] = ids[1]
		}
		return ids
	}
	tests := []struct {
		name string
		ids  []string
		want []string // details kept
	}{
		{"an empty batch stays empty", nil, nil},
		{"a batch without repeats is kept whole", []string{"a", "b", "c"}, []string{"copy 0", "copy 1", "copy 2"}},
		{"a later copy is dropped, the first kept", []string{"a", "b", "a", "c", "b"}, []string{"copy 0", "copy 1", "copy 3"}},
		{"a repeat right after its first copy is dropped", []string{"a", "a"}, []string{"copy 0"}},
		{"a large batch with one repeat drops it", many(100, 70), nil},
		{"a large batch without repeats is kept whole", many(100, -1), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := withIDs(tt.ids...)
			got := FirstCopies(rs)
			want := tt.want
			if want == nil && len(tt.ids) > 0 {
				// Large cases: every id once, in first-seen order.
				seen := map[string]bool{}
				for i, id := range tt.ids {
					if !seen[id] {
						seen[id] = true
						want = append(want, fmt.Sprint("copy ", i))
					}
				}
			}
			var details []string
			for _, r := range got {
				details = append(details, r.Reason)
			}
			if !slices.Equal(details, want) {
				t.Fatalf("kept %v, want %v", details, want)
			}
			if len(got) == len(rs) && len(rs) > 0 && &got[0] != &rs[0] {
				t.Fatal("a batch without repeats was copied; want rs itself")
			}
		})
	}
}
