// Package command holds what the two binaries' command lines share: a flag
// set that prints its usage to the given writer, and the --log.level and
// --log.format flags that build the process's slog.Logger.
package command
