// Command branchready-agent checks a bank branch's devices before opening
// and through the day and ships the results to the collector.
package main

import (
	"os"

	"github.com/branchready/branchready/agent/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
