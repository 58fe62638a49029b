// Package command holds what the two binaries' command lines share: a flag
// set that prints its usage to the given writer, what a command returns
// when its flags do not parse (ParseError: -h exits 0, a mistake 2), and
// the --log.level and --log.format flags that build the process's
// slog.Logger.
package command
