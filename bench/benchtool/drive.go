//go:build linux

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// drive asks blackbox_exporter for k probes of the targets (cycling) with c
// requests in flight over kept-alive connections, and prints the CPU time
// the exporter (pid) spent per probe, and its own (the client side). With
// -pid 0 it only sends the probes (one scrape round for a script that
// measures the exporter's whole process itself) and fails if one fails.
func drive(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("drive", flag.ContinueOnError)
	file := fs.String("targets", "targets.txt", "targets file")
	base := fs.String("url", "http://127.0.0.1:9115", "exporter base URL")
	pid := fs.Int("pid", 0, "exporter process id")
	k := fs.Int("k", 4000, "probes")
	conc := fs.Int("c", 4, "requests in flight")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ts, err := readTargets(*file)
	if err != nil {
		return err
	}
	if *pid == 0 {
		client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *conc}}
		return hammer(ctx, client, *base, ts, *k, *conc)
	}
	exporter := func() (time.Duration, error) { return procCPU(*pid) }
	idle, err := idleRate(exporter, 2*time.Second)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *conc}}
	before, err := exporter()
	if err != nil {
		return err
	}
	self, start := selfCPU(), time.Now()
	if err := hammer(ctx, client, *base, ts, *k, *conc); err != nil {
		return err
	}
	wall, own := time.Since(start), selfCPU()-self
	after, err := exporter()
	if err != nil {
		return err
	}
	them := report(os.Stdout, "blackbox_exporter", *k, after-before, wall, idle)
	client1 := report(os.Stdout, "load driver (client side, excluded)", *k, own, wall, 0)
	_, err = fmt.Fprintf(stdout, "RESULT blackbox_us=%.1f driver_us=%.1f\n", them, client1)
	return err
}

// hammer sends k probe requests; any probe that does not succeed is an error.
func hammer(ctx context.Context, client *http.Client, base string, ts []target, k, conc int) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, conc)
	for range conc {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < k; i = int(next.Add(1)) - 1 {
				if err := probeOnce(ctx, client, base, ts[i%len(ts)]); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func probeOnce(ctx context.Context, client *http.Client, base string, t target) error {
	module := map[string]string{"tcp": "tcp_connect", "http": "http_2xx", "https": "https_2xx"}[t.kind]
	u := base + "/probe?" + url.Values{"module": {module}, "target": {t.addr}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("probe %s: %w", t.addr, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("probe %s: %w", t.addr, err)
	}
	if !strings.Contains(string(body), "\nprobe_success 1") {
		return fmt.Errorf("probe %s (%s) did not succeed:\n%s", t.addr, module, body)
	}
	return nil
}
