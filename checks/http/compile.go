package http

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/branchready/branchready/checks"
)

// step is a compiled Step.
type step struct {
	label        string // `step 2 "submit credentials"`; "" for the shorthand
	method       string
	url          template
	form         map[string]template
	body         template
	headers      map[string]template
	follow       bool
	status       map[int]bool
	location     *regexp.Regexp
	bodyRegex    *regexp.Regexp
	extract      []extractor
	wantRedirect bool
	fixed        fixed
}

// extractor takes one variable from a body: a regexp's only group, or the
// value of the named <input>.
type extractor struct {
	name  string
	re    *regexp.Regexp
	input string
}

// compileSteps compiles the steps, or the shorthand as one step.
func compileSteps(p *checks.Problems, c Config, known map[string]bool) ([]*step, bool) {
	in := c.Steps
	shorthand := len(in) == 0
	if shorthand {
		in = []Step{{URL: c.URL, Method: c.Method, Status: c.Status, BodyRegex: c.BodyRegex, Headers: c.Headers}}
	} else if c.URL != "" || c.Method != "" || len(c.Status) > 0 || c.BodyRegex != "" || len(c.Headers) > 0 {
		p.Addf("steps", "use either url/method/status/body_regex/headers or steps, not both")
	}
	out := make([]*step, len(in))
	for i, s := range in {
		sc := stepCompiler{p: p, shorthand: shorthand, i: i, known: known}
		out[i] = sc.compile(s)
		out[i].fix(i == 0)
	}
	return out, shorthand
}

type stepCompiler struct {
	p         *checks.Problems
	shorthand bool
	i         int
	known     map[string]bool
}

func (sc stepCompiler) addf(field, format string, args ...any) {
	sc.p.Addf(stepField(sc.shorthand, sc.i, field), format, args...)
}

func (sc stepCompiler) compile(s Step) *step {
	st := &step{label: sc.label(s.Name), follow: s.FollowRedirects, status: map[int]bool{}}
	sc.url(s.URL)
	st.url = sc.template("url", s.URL)
	st.method = sc.method(s)
	if len(s.Form) > 0 && s.Body != "" {
		sc.addf("body", "set either form or body, not both")
	}
	st.form = sc.templates("form", s.Form)
	st.body = sc.template("body", s.Body)
	st.headers = sc.templates("headers", s.Headers)
	for j, code := range s.Status {
		if code < 100 || code > 599 {
			sc.addf(fmt.Sprintf("status[%d]", j), "%d: must be an HTTP status 100-599", code)
		}
		st.status[code] = true
	}
	st.location = sc.regexp("location", s.Location)
	st.wantRedirect = s.Location != ""
	if st.wantRedirect && s.FollowRedirects {
		sc.addf("location", "asserts a redirect, so it cannot be combined with follow_redirects")
	}
	st.bodyRegex = sc.regexp("body_regex", s.BodyRegex)
	for j, e := range s.Extract {
		if x, ok := sc.extractor(j, e); ok {
			st.extract = append(st.extract, x)
			sc.known[x.name] = true
		}
	}
	return st
}

func (sc stepCompiler) label(name string) string {
	switch {
	case sc.shorthand:
		return ""
	case name == "":
		return fmt.Sprintf("step %d", sc.i+1)
	}
	return fmt.Sprintf("step %d %q", sc.i+1, name)
}

// url checks the URL's shape with every placeholder standing in as "x".
func (sc stepCompiler) url(raw string) {
	if raw == "" {
		sc.addf("url", "must be set")
		return
	}
	u, err := url.Parse(placeholder.ReplaceAllString(raw, "x"))
	first := sc.i == 0
	switch {
	case err != nil:
		sc.addf("url", "%q: invalid URL: %v", raw, err)
	case u.IsAbs() && (u.Scheme != "http" && u.Scheme != "https" || u.Host == ""):
		sc.addf("url", "%q: must be an absolute http:// or https:// URL", raw)
	case !u.IsAbs() && first && sc.shorthand:
		sc.addf("url", "%q: must be an absolute http:// or https:// URL", raw)
	case !u.IsAbs() && first:
		sc.addf("url", "%q: the first step's URL must be absolute (http:// or https://)", raw)
	}
}

func (sc stepCompiler) method(s Step) string {
	m := strings.ToUpper(s.Method)
	switch {
	case m == "" && (len(s.Form) > 0 || s.Body != ""):
		return http.MethodPost
	case m == "":
		return http.MethodGet
	case !varName.MatchString(m):
		sc.addf("method", "%q: must be an HTTP method such as GET or POST", s.Method)
	}
	return m
}

func (sc stepCompiler) template(field, text string) template {
	t := template(text)
	if err := t.undefined(sc.known); err != nil {
		sc.addf(field, "%v", err)
	}
	return t
}

func (sc stepCompiler) templates(field string, m map[string]string) map[string]template {
	out := make(map[string]template, len(m))
	for _, k := range sortedKeys(m) {
		out[k] = sc.template(field+"."+k, m[k])
	}
	return out
}

func (sc stepCompiler) regexp(field, expr string) *regexp.Regexp {
	if expr == "" {
		return nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		sc.addf(field, "%q: invalid regular expression: %v", expr, err)
	}
	return re
}

func (sc stepCompiler) extractor(j int, e Extract) (extractor, bool) {
	field := fmt.Sprintf("extract[%d]", j)
	ok := true
	switch {
	case !varName.MatchString(e.Var):
		sc.addf(field+".var", "%q: must be a name of letters, digits and _", e.Var)
		ok = false
	case e.Var == "username" || e.Var == "password":
		sc.addf(field+".var", "%q: is reserved for the credentials", e.Var)
		ok = false
	}
	if (e.Regex == "") == (e.Input == "") {
		sc.addf(field, "set exactly one of regex or input")
		return extractor{}, false
	}
	x := extractor{name: e.Var, input: e.Input}
	if e.Regex != "" {
		if x.re = sc.regexp(field+".regex", e.Regex); x.re == nil {
			return x, false
		}
		if n := x.re.NumSubexp(); n != 1 {
			sc.addf(field+".regex", "%q: must have exactly one capture group, has %d", e.Regex, n)
			ok = false
		}
	}
	return x, ok
}
