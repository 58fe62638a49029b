package strictyaml

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Decode parses data into out (a pointer to a struct) strictly: unknown and
// duplicate keys, wrong types and malformed values are all errors. It keeps
// going after an error so that the caller can report every problem at once.
// The returned Lines lets later validation name the line of any path.
func Decode(file string, data []byte, out any) (Lines, Errors) {
	d := decoder{file: file, lines: Lines{}}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			d.errf(1, "", "file is empty")
			return d.lines, d.errs
		}
		d.errs = append(d.errs, syntaxError(file, err))
		return d.lines, d.errs
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.errf(extra.Line, "", "more than one YAML document; a configuration file holds one")
	}
	n := &root
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	d.lines[""] = n.Line
	d.value(n, "", reflect.ValueOf(out).Elem())
	return d.lines, d.errs
}

// syntaxError turns yaml.v3's "yaml: line 3: ..." into an Error with a line.
func syntaxError(file string, err error) Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if strings.HasPrefix(msg, "line ") {
		rest := msg[len("line "):]
		if i := strings.Index(rest, ":"); i > 0 {
			if n, convErr := strconv.Atoi(rest[:i]); convErr == nil {
				line, msg = n, strings.TrimSpace(rest[i+1:])
			}
		}
	}
	return Error{File: file, Line: line, Msg: "invalid YAML: " + msg}
}

type decoder struct {
	file  string
	lines Lines
	errs  Errors
}

func (d *decoder) errf(line int, path, format string, args ...any) {
	d.errs = append(d.errs, Error{File: d.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

var (
	durationType  = reflect.TypeFor[time.Duration]()
	textUnmarshal = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func (d *decoder) value(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if _, ok := d.lines[path]; !ok {
		d.lines[path] = n.Line
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.value(n, path, v.Elem())
		return
	}
	if v.CanAddr() && v.Addr().Type().Implements(textUnmarshal) {
		if !d.want(n, path, yaml.ScalarNode, "a text value") {
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
			d.errf(n.Line, path, "%s", err)
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.structure(n, path, v)
	case reflect.Slice:
		d.sequence(n, path, v)
	case reflect.Map:
		d.mapping(n, path, v)
	default:
		d.scalar(n, path, v)
	}
}

func (d *decoder) want(n *yaml.Node, path string, kind yaml.Kind, what string) bool {
	if n.Kind == kind {
		return true
	}
	d.errf(n.Line, path, "must be %s, found %s", what, describe(n))
	return false
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return fmt.Sprintf("%q", n.Value)
	}
}

func (d *decoder) structure(n *yaml.Node, path string, v reflect.Value) {
	if !d.want(n, path, yaml.MappingNode, "a mapping") {
		return
	}
	fields := fieldsOf(v.Type())
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Value == "<<" {
			d.errf(k.Line, path, "merge keys (<<) are not supported; repeat the values or use a profile")
			continue
		}
		p := Join(path, k.Value)
		if seen[k.Value] {
			d.errf(k.Line, p, "duplicate key")
			continue
		}
		seen[k.Value] = true
		f, ok := fields[k.Value]
		if !ok {
			d.errf(k.Line, p, "unknown key%s", suggest(k.Value, fields))
			continue
		}
		d.lines[p] = k.Line
		d.value(val, p, v.FieldByIndex(f.Index))
	}
}

func (d *decoder) sequence(n *yaml.Node, path string, v reflect.Value) {
	if !d.want(n, path, yaml.SequenceNode, "a list") {
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.value(item, Index(path, i), s.Index(i))
	}
	v.Set(s)
}

func (d *decoder) mapping(n *yaml.Node, path string, v reflect.Value) {
	if v.Type().Key().Kind() != reflect.String {
		panic("strictyaml: map keys must be strings: " + v.Type().String())
	}
	if !d.want(n, path, yaml.MappingNode, "a mapping") {
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		p := Join(path, k.Value)
		key := reflect.ValueOf(k.Value).Convert(v.Type().Key())
		if v.MapIndex(key).IsValid() {
			d.errf(k.Line, p, "duplicate key")
			continue
		}
		d.lines[p] = k.Line
		elem := reflect.New(v.Type().Elem()).Elem()
		d.value(val, p, elem)
		v.SetMapIndex(key, elem)
	}
}

func (d *decoder) scalar(n *yaml.Node, path string, v reflect.Value) {
	if !d.want(n, path, yaml.ScalarNode, "a single value") {
		return
	}
	s := n.Value
	bad := func(what string) { d.errf(n.Line, path, "%q: must be %s", s, what) }
	if v.Type() == durationType {
		dur, err := time.ParseDuration(s)
		if err != nil {
			bad("a duration such as 500ms, 30s or 5m")
			return
		}
		v.SetInt(int64(dur))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil || n.Tag != "!!bool" {
			bad("true or false")
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := strconv.ParseInt(s, 0, v.Type().Bits())
		if err != nil {
			bad("a whole number")
			return
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		u, err := strconv.ParseUint(s, 0, v.Type().Bits())
		if err != nil {
			bad(fmt.Sprintf("a whole number from 0 to %d", uint64(math.MaxUint64)>>(64-v.Type().Bits())))
			return
		}
		v.SetUint(u)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, v.Type().Bits())
		if err != nil {
			bad("a number")
			return
		}
		v.SetFloat(f)
	default:
		panic("strictyaml: unsupported type " + v.Type().String())
	}
}

type field struct {
	Index []int
	Doc   string
	Type  reflect.Type
}

// fieldsOf maps yaml key names to struct fields; fields tagged yaml:"-" or
// unexported are left out, and embedded structs tagged ",inline" are flattened.
func fieldsOf(t reflect.Type) map[string]field {
	out := map[string]field{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if opts == "inline" {
			for k, sub := range fieldsOf(f.Type) {
				sub.Index = append([]int{i}, sub.Index...)
				out[k] = sub
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = field{Index: []int{i}, Doc: f.Tag.Get("doc"), Type: f.Type}
	}
	return out
}

// suggest names the closest known key when an unknown one looks like a typo.
func suggest(key string, fields map[string]field) string {
	best, bestDist := "", 3
	for k := range fields {
		if d := distance(key, k); d < bestDist || (d == bestDist && best != "" && k < best) {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
