//go:build !linux

package admin

// writeProcess writes nothing where /proc is missing: the Go runtime's
// series still describe the agent.
func writeProcess(*expo) {}
