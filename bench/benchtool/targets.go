//go:build linux

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// targets serves loopback TCP listeners that accept and close, and HTTP and
// HTTPS servers that answer 200, and writes one "kind address" line per
// target to -out once all listen (HTTPS targets as "https URL"; their CA is
// written to -ca). It stops on a signal or after -for.
func targets(ctx context.Context, args []string, _ io.Writer) error {
	fs := flag.NewFlagSet("targets", flag.ContinueOnError)
	nTCP := fs.Int("tcp", 10, "TCP targets")
	nHTTP := fs.Int("http", 10, "HTTP targets")
	nHTTPS := fs.Int("https", 0, "HTTPS targets (ECDSA P-256, TLS 1.3)")
	caOut := fs.String("ca", "ca.pem", "file the HTTPS targets' CA is written to")
	out := fs.String("out", "targets.txt", "file listing the targets")
	life := fs.Duration("for", 10*time.Minute, "stop after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *life)
	defer cancel()
	var lines []string
	for range *nTCP {
		ln, err := listen(ctx)
		if err != nil {
			return err
		}
		go acceptClose(ln)
		lines = append(lines, "tcp "+ln.Addr().String())
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	for range *nHTTP {
		ln, err := listen(ctx)
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: ok, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		lines = append(lines, "http http://"+ln.Addr().String()+"/")
	}
	if *nHTTPS > 0 {
		conf, caPEM, err := loopbackTLS()
		if err != nil {
			return err
		}
		if err := writeAtomic(*caOut, string(caPEM)); err != nil {
			return err
		}
		for range *nHTTPS {
			ln, err := listen(ctx)
			if err != nil {
				return err
			}
			// A generous handshake deadline: a loaded machine must slow the
			// probes down, not fail them.
			srv := &http.Server{Handler: ok, ReadHeaderTimeout: 30 * time.Second, TLSConfig: conf}
			go func() { _ = srv.ServeTLS(ln, "", "") }()
			lines = append(lines, "https https://"+ln.Addr().String()+"/")
		}
	}
	if err := writeAtomic(*out, strings.Join(lines, "\n")+"\n"); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// listen opens a loopback listener closed when ctx ends.
func listen(ctx context.Context) (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	context.AfterFunc(ctx, func() { _ = ln.Close() })
	return ln, nil
}

func acceptClose(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		_ = c.Close()
	}
}

// writeAtomic writes a file that readers see whole or not at all.
func writeAtomic(path, text string) error {
	if err := os.WriteFile(path+".tmp", []byte(text), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
