//go:build linux

package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmds := map[string]func(context.Context, []string, io.Writer) error{
		"targets":   targets,
		"collector": collector,
		"probe":     probe,
		"drive":     drive,
		"freeport":  freeport,
	}
	if len(args) == 0 || cmds[args[0]] == nil {
		fmt.Fprintln(stderr, "usage: benchtool targets|collector|probe|drive|freeport [flags]")
		return 2
	}
	if err := cmds[args[0]](ctx, args[1:], stdout); err != nil {
		fmt.Fprintf(stderr, "benchtool %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// freeport prints a loopback port that was free a moment ago.
func freeport(_ context.Context, _ []string, stdout io.Writer) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	_, err = fmt.Fprintln(stdout, ln.Addr().(*net.TCPAddr).Port)
	return err
}
