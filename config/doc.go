// Package config is the agent's branch configuration: the YAML types, their
// defaults in one place, strict loading with every error at once (file, line,
// path, rule), and secrets that never print.
package config
