package runner

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/branchready/branchready/checks"
	httpcheck "github.com/branchready/branchready/checks/http"
	"github.com/branchready/branchready/checks/registry"
	"github.com/branchready/branchready/checks/tcp"
	"github.com/branchready/branchready/result"
)

// benchTimeout is the deadline of every check of the benchmark sweep; the
// black-holed ones run into it.
const benchTimeout = time.Second

// sweepConcurrency adds a concurrency bound to BenchmarkSweep500's 64 and 16.
var sweepConcurrency = flag.Int("sweep.concurrency", 0, "extra concurrency bound for BenchmarkSweep500")

// BenchmarkSweep500 measures the wall time of one sweep of 500 checks on
// loopback: 250 TCP connects and 250 HTTP GETs, a tenth of each black-holed
// (a TCP listener with a full accept queue, an HTTP server that never
// answers) so that they run into their 1s timeout. With a bound above the
// number of black-holed checks a sweep should take about one timeout.
//
//	go test -run '^$' -bench Sweep500 -benchtime 5x ./agent/runner/ [-args -sweep.concurrency=32]
func BenchmarkSweep500(b *testing.B) {
	cs := sweepChecks(b, 500)
	bounds := []int{0, 64, 16} // 0: the shipped default, AutoConcurrency
	if *sweepConcurrency > 0 {
		bounds = append(bounds, *sweepConcurrency)
	}
	for _, conc := range bounds {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			r := Runner{Concurrency: conc, Version: "bench"}
			var failed int
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for b.Loop() {
				failed = countFailed(r.Sweep(context.Background(), "bench", cs, nil))
			}
			wall := time.Since(start)
			b.ReportMetric(wall.Seconds()/float64(b.N), "s/sweep")
			b.ReportMetric(float64(len(cs))*float64(b.N)/wall.Seconds(), "checks/s")
			// The figure means nothing unless exactly the black-holed checks failed.
			if failed != len(cs)/10 {
				b.Fatalf("%d checks failed, want the %d black-holed ones", failed, len(cs)/10)
			}
		})
	}
}

// BenchmarkProbe measures one healthy check's cost (CPU and allocations)
// through the runner, without black holes.
//
//	go test -run '^$' -bench Probe -benchmem ./agent/runner/
func BenchmarkProbe(b *testing.B) {
	tcpAddr := acceptingListener(b)
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }))
	b.Cleanup(web.Close)
	for _, k := range []struct{ name, kind, target string }{
		{"tcp", "tcp", tcpAddr},
		{"http", "http", web.URL},
	} {
		b.Run(k.name, func(b *testing.B) {
			cs := []registry.Compiled{compile(b, k.kind, k.target, 0)}
			r := Runner{Concurrency: 1, Version: "bench"}
			b.ReportAllocs()
			for b.Loop() {
				if rs := r.Sweep(context.Background(), "bench", cs, nil); rs[0].Status != result.StatusOK {
					b.Fatalf("probe of %s: %s %s", k.target, rs[0].Status, rs[0].Reason)
				}
			}
		})
	}
}

func countFailed(rs []result.Result) int {
	n := 0
	for _, r := range rs {
		if r.Status == result.StatusFail {
			n++
		}
	}
	return n
}

// sweepChecks builds n checks, half TCP and half HTTP, every tenth of each
// black-holed. Targets are spread over a few listeners of each sort.
func sweepChecks(b *testing.B, n int) []registry.Compiled {
	const pool = 8
	var tcpOK, httpOK []string
	for range pool {
		tcpOK = append(tcpOK, acceptingListener(b))
		web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }))
		b.Cleanup(web.Close)
		httpOK = append(httpOK, web.URL)
	}
	tcpHole, httpHole := fullBacklogListener(b), silentServer(b)
	cs := make([]registry.Compiled, 0, n)
	for i := range n / 2 {
		tcpTarget, httpTarget := tcpOK[i%pool], httpOK[i%pool]
		if i%10 == 9 {
			tcpTarget, httpTarget = tcpHole, httpHole
		}
		cs = append(cs, compile(b, "tcp", tcpTarget, i), compile(b, "http", httpTarget, i))
	}
	return cs
}

// compile builds one check through the registry, as the agent does.
func compile(b *testing.B, kind, target string, i int) registry.Compiled {
	var opts any
	switch kind {
	case "tcp":
		opts = &tcp.Config{Address: target}
	case "http":
		opts = &httpcheck.Config{URL: target}
	}
	t := checks.Target{Branch: "bench", Device: fmt.Sprintf("dev-%03d", i), Check: kind}
	chk, err := registry.Kinds()[kind](opts, t, registry.Env{})
	if err != nil {
		b.Fatalf("compile %s %s: %v", kind, target, err)
	}
	return registry.Compiled{Target: t, Kind: kind, Criticality: result.Blocking, Timeout: benchTimeout, Check: chk}
}

// acceptingListener accepts and immediately closes connections.
func acceptingListener(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	return ln.Addr().String()
}

// silentServer accepts HTTP requests and never answers them.
func silentServer(b *testing.B) string {
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	b.Cleanup(srv.Close)
	return srv.URL
}

// fullBacklogListener is a listener with a backlog of 0 that never accepts,
// its queue filled by connections held open: Linux then drops further
// SYNs, so a connect hangs until its deadline as to a black-holed device.
func fullBacklogListener(b *testing.B) string {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		b.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		b.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		b.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "black-hole")
	ln, err := net.FileListener(f)
	_ = f.Close()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ln.Close() })
	addr := ln.Addr().String()
	for range 8 {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return addr // the queue is full
		}
		b.Cleanup(func() { _ = c.Close() })
	}
	b.Fatalf("%s still accepts connections into its queue; cannot black-hole it", addr)
	return ""
}
