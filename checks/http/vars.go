package http

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// placeholder matches ${name} in URLs, form values, bodies and headers.
var placeholder = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

var varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// template is text that may hold ${name} placeholders.
type template string

func (t template) names() []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(string(t), -1) {
		out = append(out, m[1])
	}
	return out
}

// expand substitutes vars; New has proved every name is defined.
func (t template) expand(vars map[string]string) string {
	if !strings.Contains(string(t), "${") {
		return string(t)
	}
	return placeholder.ReplaceAllStringFunc(string(t), func(m string) string {
		return vars[m[2:len(m)-1]]
	})
}

// undefined returns an error naming the first placeholder not in known.
func (t template) undefined(known map[string]bool) error {
	for _, n := range t.names() {
		if !known[n] {
			return fmt.Errorf("${%s}: not defined; use %s", n, describeKnown(known))
		}
	}
	return nil
}

func describeKnown(known map[string]bool) string {
	if len(known) == 0 {
		return "a var extracted by an earlier step, or set username / password_env / password_file"
	}
	var names []string
	for n := range known {
		names = append(names, "${"+n+"}")
	}
	sort.Strings(names)
	return strings.Join(names, ", ") + " or a var extracted by an earlier step"
}

// sortedKeys gives maps a stable order, for requests and for errors.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
