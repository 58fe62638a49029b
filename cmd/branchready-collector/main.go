// Command branchready-collector is the central service of branchready.
package main

import (
	"os"

	"github.com/branchready/branchready/collector/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
