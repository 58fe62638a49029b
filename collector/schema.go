package collector

import (
	"reflect"

	"github.com/branchready/branchready/strictyaml"
)

// Schema returns the JSON Schema of the collector's configuration file;
// configs/collector.schema.json holds a copy that a test keeps current.
func Schema() ([]byte, error) {
	return strictyaml.Schema(reflect.TypeFor[Config](), "https://branchready.dev/schemas/collector.schema.json", "branchready collector configuration")
}
