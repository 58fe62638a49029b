package strictyaml

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a configuration file.
type Error struct {
	File string
	Line int
	Path string
	Msg  string
}

func (e Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(":")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:", e.Line)
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one or more files, in file and line order.
type Errors []Error

func (es Errors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Err returns es as an error, or nil when it is empty.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	es.Sort()
	return es
}

// Sort orders es by file, then line, keeping the order problems were found
// in within a line.
func (es Errors) Sort() {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].File != es[j].File {
			return es[i].File < es[j].File
		}
		return es[i].Line < es[j].Line
	})
}

// Lines maps a path (devices[0].checks[1]) to the line it starts on.
type Lines map[string]int

// Line returns the line of path, or of its closest ancestor that has one.
func (l Lines) Line(path string) int {
	for p := path; ; {
		if n, ok := l[p]; ok {
			return n
		}
		i := strings.LastIndexAny(p, ".[")
		if i <= 0 {
			return l[""]
		}
		p = p[:i]
	}
}

// Problems collects semantic errors against a decoded file, looking up lines
// by path so that validation code need only name the path and the rule.
type Problems struct {
	File  string
	Lines Lines
	Errs  Errors
}

// Addf records a problem at path.
func (p *Problems) Addf(path, format string, args ...any) {
	p.Errs = append(p.Errs, Error{File: p.File, Line: p.Lines.Line(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

// Join builds a child path: Join("devices[0]", "id") is "devices[0].id".
func Join(parent, child string) string {
	if parent == "" {
		return child
	}
	return parent + "." + child
}

// Index builds an element path: Index("devices", 2) is "devices[2]".
func Index(parent string, i int) string { return fmt.Sprintf("%s[%d]", parent, i) }
