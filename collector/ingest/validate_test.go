package ingest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/result"
)

// TestValidateKeepsTheGoodResultsInOrder: validate compacts the decoded
// results in place, so whatever is refused before, between or after the
// good ones, the good ones come out whole and in the order sent, and the
// refused are answered by their index.
func TestValidateKeepsTheGoodResultsInOrder(t *testing.T) {
	now := time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC)
	h := New(Options{Now: func() time.Time { return now }})
	w, err := h.window(now, now.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	// Each letter is an item: g a good result, b one that did not decode,
	// v one that fails validation, o one of another branch, d a repeat of
	// the last good one before it.
	for _, pattern := range []string{"", "g", "ggg", "bgg", "gbg", "ggb", "vgovg", "gdgd", "bvogdg", "gggdbbg"} {
		t.Run(fmt.Sprintf("items %q keep their good ones", pattern), func(t *testing.T) {
			var rs, want []result.Result
			var bad []itemErr
			var rejected []int
			for i, c := range pattern {
				r := res(fmt.Sprintf("r-%02d", i), "lon")
				r.Reason = strings.Repeat("x", i) // tells the results apart beyond their ids
				switch c {
				case 'g':
					want = append(want, r)
				case 'b':
					r, bad = result.Result{}, append(bad, itemErr{i, "did not decode"})
					rejected = append(rejected, i)
				case 'v':
					r.Status = "green"
					rejected = append(rejected, i)
				case 'o':
					r.Branch = "par"
					rejected = append(rejected, i)
				case 'd':
					r = want[len(want)-1]
				}
				rs = append(rs, r)
			}
			var resp result.IngestResponse
			good, _ := h.validate("lon", rs, bad, w, &resp)
			if len(good) != len(want) || (len(want) > 0 && !reflect.DeepEqual(good, want)) {
				t.Errorf("kept %+v, want %+v", good, want)
			}
			var got []int
			for _, r := range resp.Rejected {
				got = append(got, r.Index)
			}
			if !reflect.DeepEqual(got, rejected) {
				t.Errorf("refused items %v, want %v", got, rejected)
			}
			if dups := strings.Count(pattern, "d"); resp.Duplicates != dups {
				t.Errorf("%d duplicates, want %d", resp.Duplicates, dups)
			}
		})
	}
}
