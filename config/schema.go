package config

import (
	"reflect"

	"github.com/branchready/branchready/strictyaml"
)

// SchemaID is the $id of the branch configuration schema.
const SchemaID = "https://branchready.dev/schemas/branch.schema.json"

// Schema returns the JSON Schema of a branch configuration file, generated
// from the Go types so that it cannot drift from what the agent accepts.
// configs/branch.schema.json holds a copy; a test fails when it is stale.
func Schema() ([]byte, error) {
	return strictyaml.Schema(reflect.TypeFor[File](), SchemaID, "branchready branch configuration")
}

// HolidaySchema returns the JSON Schema of a holiday calendar file.
func HolidaySchema() ([]byte, error) {
	return strictyaml.Schema(reflect.TypeFor[HolidayFile](), "https://branchready.dev/schemas/holidays.schema.json", "branchready holiday calendar")
}
