//go:build !linux

package spool

import "fmt"

// fillDisk needs RLIMIT_FSIZE, which only the Linux test uses.
func fillDisk(string) { fmt.Println("unsupported") }
