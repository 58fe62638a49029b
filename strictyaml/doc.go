// Package strictyaml decodes YAML into Go structs strictly and reports every
// problem at once, each with its line and its path (devices[2].checks[0].tcp.address),
// and generates a JSON Schema from the same Go types so that editors and the
// decoder agree on what a configuration may contain.
//
// It exists because gopkg.in/yaml.v3 stops at the first error of many kinds,
// cannot decode a node strictly, and reports no paths.
package strictyaml
