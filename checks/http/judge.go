package http

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/branchready/branchready/checks"
)

// judge returns what is wrong with a response, in words for a person. The
// response is described (its page's text, which for HTML means tokenizing
// the whole page) only when it failed: a healthy probe has no use for it.
func (st *step) judge(resp *http.Response, body []byte) (string, bool) {
	code := resp.StatusCode
	switch {
	case st.wantRedirect && (!isRedirect(code) || len(st.status) > 0 && !st.status[code]):
		return fmt.Sprintf("expected redirect to %s, got %s", pattern(st.location.String()), describe(resp, body)), false
	case st.wantRedirect && !st.location.MatchString(resp.Header.Get("Location")):
		return fmt.Sprintf("expected redirect to %s, got %s", pattern(st.location.String()), describe(resp, body)), false
	case !st.wantRedirect && !st.statusOK(code):
		return fmt.Sprintf("expected %s, got %s", st.expectedStatus(), describe(resp, body)), false
	case st.bodyRegex != nil && !st.bodyRegex.Match(body):
		return fmt.Sprintf("expected the page to contain /%s/, got %s", st.bodyRegex, describe(resp, body)), false
	}
	return "", true
}

func isRedirect(code int) bool { return code >= 300 && code < 400 }

func (st *step) statusOK(code int) bool {
	if len(st.status) == 0 {
		return code >= 200 && code < 300
	}
	return st.status[code]
}

func (st *step) expectedStatus() string {
	if len(st.status) == 0 {
		return "a 2xx status"
	}
	codes := make([]int, 0, len(st.status))
	for c := range st.status {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	words := make([]string, len(codes))
	for i, c := range codes {
		words[i] = strconv.Itoa(c)
	}
	return "status " + strings.Join(words, " or ")
}

// describe sums up a response: `302 to /login?error=1`, or the status and
// the start of the page's text: `200 with "Invalid credentials"`.
func describe(resp *http.Response, body []byte) string {
	if loc := resp.Header.Get("Location"); isRedirect(resp.StatusCode) && loc != "" {
		return fmt.Sprintf("%d to %s", resp.StatusCode, loc)
	}
	text := checks.Truncate(pageText(body, resp.Header.Get("Content-Type")), 60)
	if text == "" {
		return fmt.Sprintf("%d with an empty page", resp.StatusCode)
	}
	return fmt.Sprintf("%d with %q", resp.StatusCode, text)
}

// pattern shows a Location regexp as the path a person expects.
func pattern(re string) string {
	return strings.TrimSuffix(strings.TrimPrefix(re, "^"), "$")
}

// take extracts the variable from a body.
func (x extractor) take(body []byte) (string, bool) {
	if x.re == nil {
		return inputValue(body, x.input)
	}
	m := x.re.FindSubmatch(body)
	if m == nil {
		return "", false
	}
	return string(m[1]), true
}

func (x extractor) missing() string {
	if x.re == nil {
		return fmt.Sprintf("the page has no <input name=%q> to take ${%s} from", x.input, x.name)
	}
	return fmt.Sprintf("the page does not match /%s/ to take ${%s} from", x.re, x.name)
}
