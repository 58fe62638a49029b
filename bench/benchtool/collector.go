//go:build linux

package main

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/branchready/branchready/result"
)

// collector stands in for the collector: it acknowledges every batch posted
// to /api/v1/results with the exact count the agent's shipper insists on.
func collector(ctx context.Context, args []string, _ io.Writer) error {
	fs := flag.NewFlagSet("collector", flag.ContinueOnError)
	out := fs.String("out", "collector.addr", "file the listen address is written to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ln, err := listen(ctx)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	var total atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/results", func(w http.ResponseWriter, r *http.Request) {
		n, err := countResults(r)
		if err != nil {
			http.Error(w, `{"error":"bad batch"}`, http.StatusBadRequest)
			log.Warn("bad batch", "err", err)
			return
		}
		log.Info("batch", "results", n, "total", total.Add(int64(n)))
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(result.IngestResponse{Accepted: n})
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	if err := writeAtomic(*out, ln.Addr().String()); err != nil {
		return err
	}
	if err := srv.Serve(ln); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// countResults decodes a (gzipped) batch and counts its results.
func countResults(r *http.Request) (int, error) {
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return 0, fmt.Errorf("gzip: %w", err)
		}
		body = zr
	}
	var b result.Batch
	if err := json.NewDecoder(body).Decode(&b); err != nil {
		return 0, fmt.Errorf("decode: %w", err)
	}
	return len(b.Results), nil
}
