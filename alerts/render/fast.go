package render

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"text/template/parse"
)

// The templates are executed by a small walker of their parse trees when
// they use only what the shipped ones use (text, fields, variables, if,
// range over fields, template calls and the functions below), and by
// text/template otherwise. The walker gives text/template's output: it
// follows its rules (truth, comparison, printing, variable scope) for the
// values it handles and gives up on anything else, and the include that
// called it then runs text/template over the same template, so that the
// output, or the error, is text/template's. text/template calls every
// function, eq and ne included, through reflect.Value.Call, and looks each
// field up by name: most of a message's cost, for the same words.

// errSlow makes an include run the template through text/template.
var errSlow = errors.New("render: left to text/template")

// maxDepth bounds template calls within one include (text/template allows
// 100,000: a template deeper than this one is left to it).
const maxDepth = 1000

// walkable reports whether every template of s uses only what the walker
// does. It runs once, after the last Parse of s.
func walkable(s *set) bool {
	for _, t := range s.t.Templates() {
		if t.Tree != nil && t.Tree.Root != nil && !nodeWalkable(t.Tree.Root) {
			return false
		}
	}
	return true
}

func nodeWalkable(n parse.Node) bool {
	switch n := n.(type) {
	case *parse.ListNode:
		for _, c := range n.Nodes {
			if !nodeWalkable(c) {
				return false
			}
		}
		return true
	case *parse.TextNode:
		return true
	case *parse.ActionNode:
		return pipeWalkable(n.Pipe, 1)
	case *parse.IfNode:
		return pipeWalkable(n.Pipe, 0) && nodeWalkable(n.List) && (n.ElseList == nil || nodeWalkable(n.ElseList))
	case *parse.RangeNode:
		return pipeWalkable(n.Pipe, 1) && nodeWalkable(n.List) && (n.ElseList == nil || nodeWalkable(n.ElseList))
	case *parse.TemplateNode:
		return n.Pipe == nil || pipeWalkable(n.Pipe, 0)
	}
	return false
}

// pipeWalkable: one command, at most decls plain declarations.
func pipeWalkable(p *parse.PipeNode, decls int) bool {
	if p == nil || len(p.Cmds) != 1 || p.IsAssign || len(p.Decl) > decls {
		return false
	}
	args := p.Cmds[0].Args
	if len(args) == 0 {
		return false
	}
	if id, ok := args[0].(*parse.IdentifierNode); ok {
		if _, known := funcs[id.Ident]; !known {
			return false
		}
		for _, a := range args[1:] {
			if !argWalkable(a) {
				return false
			}
		}
		return true
	}
	return len(args) == 1 && argWalkable(args[0])
}

func argWalkable(n parse.Node) bool {
	switch n := n.(type) {
	case *parse.DotNode, *parse.FieldNode, *parse.VariableNode, *parse.StringNode, *parse.BoolNode:
		return true
	case *parse.NumberNode:
		return n.IsInt || n.IsFloat
	case *parse.IdentifierNode:
		_, known := funcs[n.Ident]
		return known
	case *parse.PipeNode:
		return len(n.Decl) == 0 && pipeWalkable(n, 0)
	}
	return false
}

// walker executes one include's template.
type walker struct {
	s *set
	w *bytes.Buffer
	// vars are the variables in scope from base on: a template call sees
	// only its own.
	vars  []variable
	base  int
	depth int
	buf   [8]variable
}

type variable struct {
	name string
	v    reflect.Value
}

// walkers holds walkers between executions: a message's words are some
// ten includes, each executed by a walker of its own, and a walker with
// its variables was most of what rendering allocated.
var walkers = sync.Pool{New: func() any { return new(walker) }}

// execute writes template name over d, errSlow when it leaves the walker.
func (s *set) execute(w *bytes.Buffer, name string, d any) error {
	t := s.t.Lookup(name)
	if t == nil || t.Tree == nil {
		return errSlow
	}
	dot := reflect.ValueOf(d)
	k := walkers.Get().(*walker)
	k.s, k.w, k.base, k.depth = s, w, 0, 0
	k.vars = append(k.buf[:0], variable{"$", dot})
	err := k.walk(dot, t.Tree.Root)
	// The values the walk held are let go before the walker is kept.
	clear(k.vars[:cap(k.vars)])
	k.s, k.w, k.vars = nil, nil, nil
	walkers.Put(k)
	return err
}

func (k *walker) walk(dot reflect.Value, n parse.Node) error {
	switch n := n.(type) {
	case *parse.ListNode:
		for _, c := range n.Nodes {
			if err := k.walk(dot, c); err != nil {
				return err
			}
		}
		return nil
	case *parse.TextNode:
		k.w.Write(n.Text)
		return nil
	case *parse.ActionNode:
		v, err := k.pipeline(dot, n.Pipe)
		if err != nil || len(n.Pipe.Decl) > 0 {
			return err
		}
		return k.print(v)
	case *parse.IfNode:
		defer k.pop(len(k.vars))
		v, err := k.pipeline(dot, n.Pipe)
		if err != nil {
			return err
		}
		t, ok := truth(v)
		switch {
		case !ok:
			return errSlow
		case t:
			return k.walk(dot, n.List)
		case n.ElseList != nil:
			return k.walk(dot, n.ElseList)
		}
		return nil
	case *parse.RangeNode:
		return k.walkRange(dot, n)
	case *parse.TemplateNode:
		return k.walkTemplate(dot, n)
	}
	return errSlow
}

func (k *walker) walkRange(dot reflect.Value, n *parse.RangeNode) error {
	defer k.pop(len(k.vars))
	v, err := k.pipeline(dot, n.Pipe)
	if err != nil {
		return err
	}
	v = indirect(v)
	if v.Kind() != reflect.Slice {
		return errSlow
	}
	if v.Len() == 0 {
		if n.ElseList != nil {
			return k.walk(dot, n.ElseList)
		}
		return nil
	}
	mark := len(k.vars)
	for i := range v.Len() {
		elem := v.Index(i)
		if len(n.Pipe.Decl) > 0 {
			k.vars[mark-1].v = elem
		}
		if err := k.walk(elem, n.List); err != nil {
			return err
		}
		k.pop(mark)
	}
	return nil
}

func (k *walker) walkTemplate(dot reflect.Value, n *parse.TemplateNode) error {
	t := k.s.t.Lookup(n.Name)
	if t == nil || t.Tree == nil || k.depth >= maxDepth {
		return errSlow
	}
	var v reflect.Value
	if n.Pipe != nil {
		var err error
		if v, err = k.pipeline(dot, n.Pipe); err != nil {
			return err
		}
	}
	base, mark := k.base, len(k.vars)
	k.base = mark
	k.vars = append(k.vars, variable{"$", v})
	k.depth++
	err := k.walk(v, t.Tree.Root)
	k.depth--
	k.vars, k.base = k.vars[:mark], base
	return err
}

func (k *walker) pop(mark int) { k.vars = k.vars[:mark] }

// pipeline evaluates a one-command pipeline and declares its variable.
func (k *walker) pipeline(dot reflect.Value, p *parse.PipeNode) (reflect.Value, error) {
	args := p.Cmds[0].Args
	var v reflect.Value
	var err error
	if id, ok := args[0].(*parse.IdentifierNode); ok {
		v, err = k.call(dot, id.Ident, args[1:])
	} else {
		v, err = k.arg(dot, args[0])
	}
	if err != nil {
		return v, err
	}
	if v.Kind() == reflect.Interface && v.Type().NumMethod() == 0 {
		v = reflect.ValueOf(v.Interface())
	}
	for _, d := range p.Decl {
		k.vars = append(k.vars, variable{d.Ident[0], v})
	}
	return v, nil
}

// arg evaluates an argument as text/template does for a parameter of
// type any (the builtins' and print's).
func (k *walker) arg(dot reflect.Value, n parse.Node) (reflect.Value, error) {
	switch n := n.(type) {
	case *parse.DotNode:
		return dot, nil
	case *parse.FieldNode:
		return fieldChain(dot, n.Ident)
	case *parse.VariableNode:
		for i := len(k.vars) - 1; i >= k.base; i-- {
			if k.vars[i].name == n.Ident[0] {
				return fieldChain(k.vars[i].v, n.Ident[1:])
			}
		}
		return reflect.Value{}, errSlow
	case *parse.StringNode:
		// The node's own string, not a copy boxed anew at each use.
		return reflect.ValueOf(&n.Text).Elem(), nil
	case *parse.BoolNode:
		return reflect.ValueOf(n.True), nil
	case *parse.NumberNode:
		// text/template's idealConstant: a float when written as one.
		t := n.Text
		hexInt := len(t) > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') && !strings.ContainsAny(t, "pP")
		switch {
		case n.IsComplex:
		case n.IsFloat && !hexInt && t[0] != '\'' && strings.ContainsAny(t, ".eEpP"):
			return reflect.ValueOf(&n.Float64).Elem(), nil
		case n.IsInt && int64(int(n.Int64)) == n.Int64:
			return reflect.ValueOf(int(n.Int64)), nil
		}
	case *parse.IdentifierNode:
		return k.call(dot, n.Ident, nil)
	case *parse.PipeNode:
		return k.pipeline(dot, n)
	}
	return reflect.Value{}, errSlow
}

// fieldChain follows .A.B from v through structs without methods (Data,
// Deadline), whose fields text/template would find by name too.
func fieldChain(v reflect.Value, idents []string) (reflect.Value, error) {
	for _, id := range idents {
		v = indirect(v)
		if !v.IsValid() {
			return reflect.Value{}, errSlow
		}
		fs := fieldsOf(v.Type())
		if fs == nil {
			return reflect.Value{}, errSlow
		}
		i, ok := fs[id]
		if !ok {
			return reflect.Value{}, errSlow
		}
		v = v.Field(i)
	}
	return v, nil
}

// structFields indexes the exported fields of the structs templates see.
// Only method-less types are listed: text/template looks a name up among
// methods first. They are two, and compared in turn: a map keyed by the
// type hashed it at every field a template shows.
var structFields = func() (out []typeFields) {
	for _, t := range []reflect.Type{reflect.TypeFor[Data](), reflect.TypeFor[Deadline]()} {
		if t.NumMethod() > 0 || reflect.PointerTo(t).NumMethod() > 0 {
			continue
		}
		fs := map[string]int{}
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() && !f.Anonymous {
				fs[f.Name] = i
			}
		}
		out = append(out, typeFields{t, fs})
	}
	return out
}()

// typeFields are a struct type's exported fields by name.
type typeFields struct {
	t      reflect.Type
	fields map[string]int
}

// fieldsOf returns t's fields by name, nil when templates' fields of a t
// are left to text/template.
func fieldsOf(t reflect.Type) map[string]int {
	for i := range structFields {
		if structFields[i].t == t {
			return structFields[i].fields
		}
	}
	return nil
}

// indirect follows non-nil pointers; a nil one stays (and fails later).
func indirect(v reflect.Value) reflect.Value {
	for v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	return v
}

// print writes v as text/template's printValue does, for strings, numbers
// and booleans.
func (k *walker) print(v reflect.Value) error {
	switch v.Kind() {
	case reflect.String:
		if v.Type() == stringType {
			k.w.WriteString(v.String())
			return nil
		}
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		if t := v.Type(); v.CanAddr() && !printer(t) && printer(reflect.PointerTo(t)) {
			// text/template prints through the pointer's method.
			return errSlow
		}
		fmt.Fprint(k.w, v.Interface())
		return nil
	}
	return errSlow
}

// printer reports whether fmt prints a t by a method of its own.
func printer(t reflect.Type) bool {
	return t.Implements(reflect.TypeFor[fmt.Stringer]()) || t.Implements(reflect.TypeFor[error]())
}

var stringType = reflect.TypeFor[string]()

// truth is text/template's isTrue.
func truth(v reflect.Value) (t, ok bool) {
	if !v.IsValid() {
		return false, true
	}
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() > 0, true
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Complex64, reflect.Complex128:
		return v.Complex() != 0, true
	case reflect.Chan, reflect.Func, reflect.Pointer, reflect.UnsafePointer, reflect.Interface:
		return !v.IsNil(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() != 0, true
	case reflect.Float32, reflect.Float64:
		return v.Float() != 0, true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() != 0, true
	case reflect.Struct:
		return true, true
	}
	return false, false
}
