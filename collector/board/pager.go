package board

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"

	"github.com/branchready/branchready/collector/readiness"
)

// perPage is how many branches a board page lists. With 20,000 branches the
// whole list was a 7.5 MB page that took seconds to render and to read; the
// counts bar still covers every branch, and filters find the rest.
const perPage = 200

// view is what a board request asks for: filters from the query string
// (region, verdict) and a page. The zero value is the first page of all
// branches.
type view struct {
	Region  string
	Verdict readiness.Verdict
	Page    int // 1-based
	// Set by apply: how many branches match, the pages they fill, the
	// positions shown (1-based), and the regions to filter by.
	Matching, Pages, From, To int
	Regions                   []string
}

// verdicts are in the order the board lists them: attention first.
var verdicts = readiness.Attention

// parseView reads a board request's query; an unknown verdict or a page
// that is not a positive number is an error the user sees.
func parseView(q url.Values) (view, error) {
	v := view{Region: q.Get("region"), Verdict: readiness.Verdict(q.Get("verdict")), Page: 1}
	if v.Verdict != "" && !slices.Contains(verdicts, v.Verdict) {
		return v, fmt.Errorf("verdict %q: must be one of not_ready, unknown, ready_degraded, ready, closed", v.Verdict)
	}
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return v, fmt.Errorf("page %q: must be a whole number from 1", p)
		}
		v.Page = n
	}
	return v, nil
}

// apply picks the page of the view from sel (the matching branches in
// board order: not ready, then unknown, degraded, ready, maintenance and
// closed, each by id). A page past the last shows the last.
func (v view) apply(sel readiness.Selection) ([]*readiness.BranchStatus, view) {
	match := sel.Match
	v.Regions = sel.Regions
	v.Matching = len(match)
	v.Pages = max(1, (len(match)+perPage-1)/perPage)
	v.Page = min(v.Page, v.Pages)
	start := (v.Page - 1) * perPage
	end := min(start+perPage, len(match))
	v.From, v.To = start+1, end
	return match[start:end], v
}

// Link is the address of page n of this view, keeping its filters.
func (v view) Link(n int) string {
	q := url.Values{}
	if v.Region != "" {
		q.Set("region", v.Region)
	}
	if v.Verdict != "" {
		q.Set("verdict", string(v.Verdict))
	}
	if n > 1 {
		q.Set("page", strconv.Itoa(n))
	}
	if len(q) == 0 {
		return "/"
	}
	return "/?" + q.Encode()
}

// Filtered reports whether the view leaves branches out.
func (v view) Filtered() bool { return v.Region != "" || v.Verdict != "" }

// Prev and Next are the neighbouring page numbers, 0 when there is none.
func (v view) Prev() int {
	if v.Page > 1 {
		return v.Page - 1
	}
	return 0
}

// Next is the following page number, 0 on the last page.
func (v view) Next() int {
	if v.Page < v.Pages {
		return v.Page + 1
	}
	return 0
}
