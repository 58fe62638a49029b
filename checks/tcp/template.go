package tcp

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// placeholder matches ${1} and ${name} in a send.
var placeholder = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*|[0-9]+)\}`)

// template is a send with placeholders, split once at New.
type template struct {
	text  string
	names []string // every placeholder used, in order
}

func parseTemplate(s string) template {
	t := template{text: s}
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		t.names = append(t.names, m[1])
	}
	return t
}

// captures holds the values an expect produced: numbered groups of the
// latest match and named groups of every match so far.
type captures struct {
	numbered []string
	named    map[string]string
}

func (c *captures) record(re *regexp.Regexp, m []string) {
	c.numbered = m
	if c.named == nil {
		c.named = map[string]string{}
	}
	for i, n := range re.SubexpNames() {
		if n != "" && i < len(m) {
			c.named[n] = m[i]
		}
	}
}

func (c *captures) lookup(name string) string {
	if n, err := strconv.Atoi(name); err == nil {
		if n < len(c.numbered) {
			return c.numbered[n]
		}
		return ""
	}
	return c.named[name]
}

func (t template) expand(c *captures) string {
	if len(t.names) == 0 {
		return t.text
	}
	return placeholder.ReplaceAllStringFunc(t.text, func(m string) string {
		return c.lookup(strings.TrimSuffix(strings.TrimPrefix(m, "${"), "}"))
	})
}

// scope tracks, while compiling, which placeholders an earlier expect defines.
type scope struct {
	groups int             // groups of the latest expect
	named  map[string]bool // named groups of all earlier expects
}

func (s *scope) check(t template) error {
	for _, n := range t.names {
		if i, err := strconv.Atoi(n); err == nil {
			if i > s.groups {
				return fmt.Errorf("${%s}: the previous expect has %d capture group(s)", n, s.groups)
			}
			continue
		}
		if !s.named[n] {
			return fmt.Errorf("${%s}: no earlier expect has a (?P<%s>...) group", n, n)
		}
	}
	return nil
}

func (s *scope) add(re *regexp.Regexp) {
	s.groups = re.NumSubexp()
	if s.named == nil {
		s.named = map[string]bool{}
	}
	for _, n := range re.SubexpNames() {
		if n != "" {
			s.named[n] = true
		}
	}
}
