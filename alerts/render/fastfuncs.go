package render

import (
	"fmt"
	"reflect"
	"strings"
	"text/template/parse"
	"time"
)

// walkFunc is a function as the walker calls it: over its argument nodes,
// evaluated by the function itself (and and or stop at the first that
// decides).
type walkFunc func(k *walker, dot reflect.Value, args []parse.Node) (reflect.Value, error)

// funcs are the functions the walker calls itself: text/template's
// builtins that the templates use, with text/template's rules, and bind's.
// A template calling any other is left to text/template.
var funcs map[string]walkFunc

func init() {
	funcs = map[string]walkFunc{
		"and":     andOr(false),
		"or":      andOr(true),
		"not":     not,
		"eq":      eq,
		"ne":      ne,
		"lt":      order(func(c int) bool { return c < 0 }),
		"le":      order(func(c int) bool { return c <= 0 }),
		"gt":      order(func(c int) bool { return c > 0 }),
		"ge":      order(func(c int) bool { return c >= 0 }),
		"print":   printFunc,
		"printf":  printfFunc,
		"hours":   durFunc(func(d time.Duration) int { return int(d.Round(time.Minute) / time.Hour) }),
		"mins":    durFunc(func(d time.Duration) int { return int(d.Round(time.Minute) % time.Hour / time.Minute) }),
		"fields":  fieldsFunc,
		"include": includeFunc,
	}
}

// args evaluates every argument node, into buf when they fit.
func (k *walker) args(dot reflect.Value, ns []parse.Node, buf *[4]reflect.Value) ([]reflect.Value, error) {
	vs := buf[:0]
	if len(ns) <= len(buf) {
		vs = buf[:len(ns)]
	} else {
		vs = make([]reflect.Value, len(ns))
	}
	for i, n := range ns {
		v, err := k.arg(dot, n)
		if err != nil {
			return nil, err
		}
		vs[i] = v
	}
	return vs, nil
}

func (k *walker) call(dot reflect.Value, name string, args []parse.Node) (reflect.Value, error) {
	f, ok := funcs[name]
	if !ok {
		return reflect.Value{}, errSlow
	}
	return f(k, dot, args)
}

// andOr returns the first argument that decides, else the last.
func andOr(or bool) walkFunc {
	return func(k *walker, dot reflect.Value, args []parse.Node) (reflect.Value, error) {
		if len(args) == 0 {
			return reflect.Value{}, errSlow
		}
		var v reflect.Value
		for _, a := range args {
			var err error
			if v, err = k.arg(dot, a); err != nil {
				return v, err
			}
			t, ok := truth(v)
			if !ok {
				return v, errSlow
			}
			if t == or {
				return v, nil
			}
		}
		return v, nil
	}
}

func not(k *walker, dot reflect.Value, args []parse.Node) (reflect.Value, error) {
	if len(args) != 1 {
		return reflect.Value{}, errSlow
	}
	v, err := k.arg(dot, args[0])
	if err != nil {
		return v, err
	}
	t, ok := truth(v)
	if !ok {
		return v, errSlow
	}
	return reflect.ValueOf(!t), nil
}

// basic is the comparison class of a value: text/template compares
// booleans, integers (of any size and type), floats and strings within
// their class; the walker leaves every other comparison to it.
func basic(v reflect.Value) (reflect.Kind, bool) {
	switch v.Kind() {
	case reflect.Bool, reflect.String:
		return v.Kind(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return reflect.Int, true
	case reflect.Float32, reflect.Float64:
		return reflect.Float64, true
	}
	return reflect.Invalid, false
}

// compare returns -1, 0 or 1, ok false when text/template would not
// compare a and b as the walker does.
func compare(a, b reflect.Value) (int, bool) {
	ka, oka := basic(a)
	kb, okb := basic(b)
	if !oka || !okb || ka != kb {
		return 0, false
	}
	switch ka {
	case reflect.Bool:
		if a.Bool() == b.Bool() {
			return 0, true
		}
		return 1, true // unordered: only eq and ne use it
	case reflect.String:
		return cmp3(a.String(), b.String()), true
	case reflect.Int:
		return cmp3(a.Int(), b.Int()), true
	}
	return cmp3(a.Float(), b.Float()), true
}

func cmp3[T int64 | float64 | string](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func eq(k *walker, dot reflect.Value, args []parse.Node) (reflect.Value, error) {
	var buf [4]reflect.Value
	vs, err := k.args(dot, args, &buf)
	if err != nil || len(vs) < 2 {
		return reflect.Value{}, errSlow
	}
	for _, v := range vs[1:] {
		c, ok := compare(vs[0], v)
		if !ok {
			return reflect.Value{}, errSlow
		}
		if c == 0 {
			return reflect.ValueOf(true), nil
		}
	}
	return reflect.ValueOf(false), nil
}

func ne(k *walker, dot reflect.Value, args []parse.Node) (reflect.Value, error) {
	var buf [4]reflect.Value
	vs, err := k.args(dot, args, &buf)
	if err != nil || len(vs) != 2 {
		return reflect.Value{}, errSlow
	}
	c, ok := compare(vs[0], vs[1])
	if !ok {
		return reflect.Value{}, errSlow
	}
	return reflect.ValueOf(c != 0), nil
}

// order makes lt, le, gt and ge, which text/template does not apply to
// booleans.
func order(holds func(int) bool) walkFunc {
	return func(k *walker, dot reflect.Value, args []parse.Node) (reflect.Value, error) {
		var buf [4]reflect.Value
		vs, err := k.args(dot, args, &buf)
		if err != nil || len(vs) != 2 || vs[0].Kind() == reflect.Bool {
			return reflect.Value{}, errSlow
		}
		c, ok := compare(vs[0], vs[1])
		if !ok {
			return reflect.Value{}, errSlow
		}
		return reflect.ValueOf(holds(c)), nil
	}
}

// interfaces are the values as a func(...any) receives them.
func interfaces(vs []reflect.Value) ([]any, bool) {
	out := make([]any, len(vs))
	for i, v := range vs {
		if !v.IsValid() {
			return nil, false
		}
		out[i] = v.Interface()
	}
	return out, true
}

func printFunc(k *walker, dot reflect.Value, args []parse.Node) (reflect.Value, error) {
	var buf [4]reflect.Value
	vs, err := k.args(dot, args, &buf)
	if err != nil {
		return reflect.Value{}, err
	}
	if s, ok := concat(vs); ok {
		return reflect.ValueOf(s), nil
	}
	is, ok := interfaces(vs)
	if !ok {
		return reflect.Value{}, errSlow
	}
	return reflect.ValueOf(fmt.Sprint(is...)), nil
}

// concat is fmt.Sprint of strings, which it writes one after the other
// (it spaces only operands neither of which is a string), as the
// templates' print "label." $f has it; ok false for anything else.
func concat(vs []reflect.Value) (string, bool) {
	n := 0
	for _, v := range vs {
		if !v.IsValid() || v.Type() != stringType {
			return "", false
		}
		n += v.Len()
	}
	var b strings.Builder
	b.Grow(n)
	for _, v := range vs {
		b.WriteString(v.String())
	}
	return b.String(), true
}

func printfFunc(k *walker, dot reflect.Value, args []parse.Node) (reflect.Value, error) {
	var buf [4]reflect.Value
	vs, err := k.args(dot, args, &buf)
	if err != nil || len(vs) == 0 || !vs[0].IsValid() || vs[0].Type() != stringType {
		return reflect.Value{}, errSlow
	}
	is, ok := interfaces(vs[1:])
	if !ok {
		return reflect.Value{}, errSlow
	}
	return reflect.ValueOf(fmt.Sprintf(vs[0].String(), is...)), nil
}

var durationType = reflect.TypeFor[time.Duration]()

// durFunc calls hours or mins, which take a time.Duration (a number
// written in the template would be converted by text/template: left to it).
func durFunc(f func(time.Duration) int) walkFunc {
	return func(k *walker, dot reflect.Value, args []parse.Node) (reflect.Value, error) {
		var buf [4]reflect.Value
		vs, err := k.args(dot, args, &buf)
		if err != nil || len(vs) != 1 || !vs[0].IsValid() || vs[0].Type() != durationType {
			return reflect.Value{}, errSlow
		}
		return reflect.ValueOf(f(time.Duration(vs[0].Int()))), nil
	}
}

func fieldsFunc(_ *walker, _ reflect.Value, args []parse.Node) (reflect.Value, error) {
	if len(args) != 0 {
		return reflect.Value{}, errSlow
	}
	return reflect.ValueOf(fieldNames), nil
}

func includeFunc(k *walker, dot reflect.Value, args []parse.Node) (reflect.Value, error) {
	var buf [4]reflect.Value
	vs, err := k.args(dot, args, &buf)
	if err != nil || len(vs) != 2 || !vs[0].IsValid() || vs[0].Type() != stringType || !vs[1].IsValid() {
		return reflect.Value{}, errSlow
	}
	v, err := k.s.include(vs[0].String(), vs[1].Interface())
	if err != nil {
		// text/template reports the error as the call's, with its place.
		return reflect.Value{}, errSlow
	}
	return reflect.ValueOf(v), nil
}
