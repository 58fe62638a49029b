//go:build !linux

package main

import (
	"fmt"
	"os"
)

// main says why there is nothing to run: the bench commands measure CPU
// through getrusage and /proc, which only Linux has (and bench/ runs on the
// Linux machine whose figures BENCHMARKS.md reports).
func main() {
	fmt.Fprintln(os.Stderr, "benchtool: runs on Linux only (it reads CPU times from getrusage and /proc)")
	os.Exit(2)
}
