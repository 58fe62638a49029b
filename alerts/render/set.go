package render

import (
	"bytes"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"
)

// set is one locale's templates, with what is known of them once parsed.
type set struct {
	t *template.Template
	// fixed holds the output (trimmed) of each template made of text
	// alone, such as the labels and the buttons: it is the same for every
	// incident, so it is written once here rather than once per message.
	fixed map[string]string
	// walk says that the walker executes s's templates (see fast.go).
	walk bool
}

// compile notes the templates of s whose output does not depend on the
// data. It runs after the last Parse of s.
func (s *set) compile() {
	s.walk = walkable(s)
	s.fixed = map[string]string{}
	for _, t := range s.t.Templates() {
		if t.Tree == nil || t.Tree.Root == nil || !textOnly(t.Tree.Root) {
			continue
		}
		var b strings.Builder
		if err := t.Execute(&b, nil); err == nil {
			s.fixed[t.Name()] = strings.TrimSpace(b.String())
		}
	}
}

// textOnly reports whether a template body is plain text.
func textOnly(l *parse.ListNode) bool {
	for _, n := range l.Nodes {
		if _, ok := n.(*parse.TextNode); !ok {
			return false
		}
	}
	return true
}

// include executes the template name of s over d and returns its output
// without surrounding space. Over the Data of one Render it executes each
// template once: the "text" template includes every field and its label,
// which Render also shows on their own, and a template's output depends on
// nothing but its data (the functions templates may call are pure).
func (s *set) include(name string, d any) (string, error) {
	if v, ok := s.fixed[name]; ok {
		return v, nil
	}
	var m *memo
	if p, ok := d.(*Data); ok && p.memo != nil {
		m = p.memo
		if v, ok := m.get(name); ok {
			return v, nil
		}
	}
	b := scratch.Get().(*bytes.Buffer)
	defer putScratch(b)
	b.Reset()
	var err error
	if !s.walk || s.execute(b, name, d) != nil {
		// text/template's own output, or its error, as it words it.
		b.Reset()
		err = s.t.ExecuteTemplate(b, name, d)
	}
	v := string(bytes.TrimSpace(b.Bytes()))
	if err == nil && m != nil {
		m.put(name, v)
	}
	return v, err
}

// scratch holds the buffers includes are written in: only the trimmed
// output is kept, in a string of its own.
var scratch = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 512)) }}

// putScratch keeps a buffer unless a rare long output grew it.
func putScratch(b *bytes.Buffer) {
	if b.Cap() <= 16<<10 {
		scratch.Put(b)
	}
}

// memo is what the templates of one Render wrote, by template name.
type memo struct {
	n     int
	names [16]string
	vals  [16]string
}

func (m *memo) get(name string) (string, bool) {
	for i := range m.n {
		if m.names[i] == name {
			return m.vals[i], true
		}
	}
	return "", false
}

// put remembers a template's output; past the memo's size (only an
// override with many more templates gets there) it executes again.
func (m *memo) put(name, v string) {
	if m.n < len(m.names) {
		m.names[m.n], m.vals[m.n] = name, v
		m.n++
	}
}
