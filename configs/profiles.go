// Package configs ships the ready-made configuration that the agent embeds:
// device profiles (profiles/*.yaml). The examples, holiday calendars and
// JSON Schemas beside it are for people and editors; tests load every file.
package configs

import "embed"

// Profiles holds profiles/<name>.yaml, one per device kind.
//
//go:embed profiles/*.yaml
var Profiles embed.FS
