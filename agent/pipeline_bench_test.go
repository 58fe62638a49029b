package agent_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/branchready/branchready/agent"
	"github.com/branchready/branchready/agent/runner"
	"github.com/branchready/branchready/agent/shipper"
	"github.com/branchready/branchready/agent/spool"
	"github.com/branchready/branchready/checks"
	httpcheck "github.com/branchready/branchready/checks/http"
	"github.com/branchready/branchready/checks/registry"
	"github.com/branchready/branchready/checks/tcp"
	"github.com/branchready/branchready/result"
)

// benchChild makes the test binary, run again with this variable set to
// "tcp N" or "http N", serve N loopback targets of that kind and a stand-in
// collector, so that their CPU is not the benchmark's.
const benchChild = "BRANCHREADY_BENCH_TARGETS"

func TestMain(m *testing.M) {
	if spec := os.Getenv(benchChild); spec != "" {
		serveTargets(spec)
		return
	}
	os.Exit(m.Run())
}

// BenchmarkPipeline500 is the agent's CPU per probe in a sweep of 500
// healthy checks of one kind, as in bench/blackbox-compare.sh but in one
// process: the runner's sweep, the spool's durable Put, and the shipper
// posting the batch to a stand-in collector and acknowledging it in the
// spool. The targets and the collector run in a child process; cpu-µs/check
// is this process's user+system time (every goroutine, GC included) per
// check, which other load on the machine moves far less than wall time.
//
//	go test -run '^$' -bench Pipeline500 -benchtime 20x ./agent/
//	# profile: add -cpuprofile /tmp/pipe.cpu; go tool pprof -top -cum agent.test /tmp/pipe.cpu
func BenchmarkPipeline500(b *testing.B) {
	const n = 500
	defer debug.SetGCPercent(debug.SetGCPercent(agent.DefaultGCPercent)) // the agent's GOGC
	for _, kind := range []string{"tcp", "http"} {
		b.Run(kind, func(b *testing.B) {
			targets, collector := startTargets(b, kind, n)
			cs := make([]registry.Compiled, len(targets))
			for i, t := range targets {
				cs[i] = compileBench(b, kind, t, i)
			}
			sp, err := spool.Open(filepath.Join(b.TempDir(), "spool.db"), spool.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = sp.Close() })
			drained := make(chan struct{}, 1)
			sh := shipper.New(shipper.Options{URL: collector, Token: "bench-token-0123456789abcdef", Branch: "bench",
				// As the agent sweeping every 30 s (bench/blackbox-compare.sh):
				// the next sweep is less than agent.KeepMemoryWithin away, so
				// the free heap is kept for it rather than returned to the OS.
				Spool: sp, Drained: func() { drained <- struct{}{} }})
			ctx, cancel := context.WithCancel(context.Background())
			b.Cleanup(cancel)
			go func() { _ = sh.Run(ctx) }()
			r := runner.Runner{Version: "bench"}
			sweep := func() {
				rs := r.Sweep(ctx, "business", cs, nil)
				for _, res := range rs {
					if res.Status != result.StatusOK {
						b.Fatalf("%s: %s %s", res.Device, res.Status, res.Reason)
					}
				}
				if err := sp.Put(rs, nil); err != nil {
					b.Fatal(err)
				}
				sh.Kick()
				<-drained
			}
			sweep() // warm-up: connections to the collector, first spool pages
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for b.Loop() {
				sweep()
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N*n), "cpu-µs/check")
		})
	}
}

// cpuTime is this process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func compileBench(b *testing.B, kind, target string, i int) registry.Compiled {
	var opts any = &tcp.Config{Address: target}
	if kind == "http" {
		opts = &httpcheck.Config{URL: target}
	}
	t := checks.Target{Branch: "bench", Device: fmt.Sprintf("dev-%03d", i), Check: kind}
	chk, err := registry.Kinds()[kind](opts, t, registry.Env{})
	if err != nil {
		b.Fatalf("compile %s %s: %v", kind, target, err)
	}
	return registry.Compiled{Target: t, Kind: kind, Criticality: result.Blocking, Timeout: 5 * time.Second, Check: chk}
}

// startTargets runs the child and reads its target lines, then the
// collector's URL.
func startTargets(b *testing.B, kind string, n int) (targets []string, collector string) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d", benchChild, kind, n))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if c, ok := strings.CutPrefix(line, "collector "); ok {
			return targets, c
		}
		targets = append(targets, line)
	}
	b.Fatalf("target server ended early: %v", sc.Err())
	return nil, ""
}

// serveTargets is the child: it prints each target, then the collector,
// and serves until killed.
func serveTargets(spec string) {
	var kind string
	var n int
	if _, err := fmt.Sscanf(spec, "%s %d", &kind, &n); err != nil {
		fmt.Fprintln(os.Stderr, "bad", benchChild, err)
		os.Exit(2)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		if kind == "http" {
			go func() { _ = http.Serve(ln, ok) }()
			fmt.Println("http://" + ln.Addr().String() + "/")
			continue
		}
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				_ = c.Close()
			}
		}()
		fmt.Println(ln.Addr().String())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println("collector http://" + ln.Addr().String())
	_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var batch struct {
			Results []json.RawMessage `json:"results"`
		}
		zr, err := gzip.NewReader(r.Body)
		if err == nil {
			err = json.NewDecoder(zr).Decode(&batch)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, `{"accepted":%d,"duplicates":0}`, len(batch.Results))
	}))
}
