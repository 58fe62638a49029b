package strictyaml

import (
	"encoding/json"
	"reflect"
	"sort"
)

// Schemaer lets a type that decodes from text describe itself in the schema.
type Schemaer interface {
	JSONSchema() map[string]any
}

var schemaerType = reflect.TypeFor[Schemaer]()

// Schema returns a JSON Schema (draft 2020-12) for values of type t, as the
// decoder accepts them: the same keys, the same strictness.
func Schema(t reflect.Type, id, title string) ([]byte, error) {
	s := schemaOf(t)
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = id
	s["title"] = title
	return json.MarshalIndent(s, "", "  ")
}

func schemaOf(t reflect.Type) map[string]any {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(schemaerType) {
		return reflect.Zero(t).Interface().(Schemaer).JSONSchema()
	}
	if reflect.PointerTo(t).Implements(schemaerType) {
		return reflect.New(t).Interface().(Schemaer).JSONSchema()
	}
	if t == durationType {
		return map[string]any{"type": "string", "pattern": `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`}
	}
	if reflect.PointerTo(t).Implements(textUnmarshal) {
		return map[string]any{"type": "string"}
	}
	switch t.Kind() {
	case reflect.Struct:
		fields := fieldsOf(t)
		names := make([]string, 0, len(fields))
		for k := range fields {
			names = append(names, k)
		}
		sort.Strings(names)
		props := map[string]any{}
		for _, k := range names {
			p := schemaOf(fields[k].Type)
			if doc := fields[k].Doc; doc != "" {
				p["description"] = doc
			}
			props[k] = p
		}
		return map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem())}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer", "minimum": 0}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	}
	panic("strictyaml: no schema for " + t.String())
}
