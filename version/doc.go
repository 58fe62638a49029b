// Package version says which build of branchready is running: the version
// stamped at build time with -ldflags -X (the Makefile does), else the module
// version and VCS revision the Go toolchain recorded, and the Go version.
// Both binaries report it the same way (the version command, the
// *_build_info metrics, results' agent_version).
package version
