package admin

import (
	"bufio"
	"net/http"
	"runtime"
	"sync"

	"github.com/branchready/branchready/result"
	buildinfo "github.com/branchready/branchready/version"
)

// Metrics are the agent's instruments, served at /metrics in Prometheus'
// text format. They are written by hand rather than with client_golang:
// the agent needs a dozen series, and the client library with its protobuf
// and procfs dependencies made 2.4 MiB of the binary, most of it resident
// (issue 11: the agent idles in at most 20 MiB with 500 checks).
type Metrics struct {
	version string
	gauges  Gauges

	mu            sync.Mutex
	checks        map[[2]string]uint64 // kind, status
	checkDuration map[string]*histogram
	sweepDuration map[string]*histogram
	lastSweep     float64
	ready         float64
	reloads       map[string]uint64 // success, failure
}

// Gauges the agent reads at scrape time from its spool and shipper.
type Gauges struct {
	SpoolResults func() float64
	SpoolBytes   func() float64
	Dropped      func() map[string]uint64
	ShipLatency  func() float64
	ShipFailures func() float64
}

// Bucket bounds of the histograms (upper bounds in seconds, +Inf implied).
var (
	checkBuckets = exponential(0.001, 4, 9)
	sweepBuckets = exponential(0.01, 3, 9)
)

// NewMetrics returns the agent's metrics; a nil gauge reads as 0.
func NewMetrics(version string, g Gauges) *Metrics {
	zero := func() float64 { return 0 }
	for _, f := range []*func() float64{&g.SpoolResults, &g.SpoolBytes, &g.ShipLatency, &g.ShipFailures} {
		if *f == nil {
			*f = zero
		}
	}
	if g.Dropped == nil {
		g.Dropped = func() map[string]uint64 { return nil }
	}
	return &Metrics{
		version: version, gauges: g, checks: map[[2]string]uint64{},
		checkDuration: map[string]*histogram{}, sweepDuration: map[string]*histogram{},
		reloads: map[string]uint64{"success": 0, "failure": 0},
	}
}

// ObserveSweep records a finished sweep.
func (m *Metrics) ObserveSweep(kind string, seconds float64, rs []result.Result, ready bool, at float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range rs {
		m.checks[[2]string{r.Kind, string(r.Status)}]++
		observe(m.checkDuration, r.Kind, checkBuckets, r.DurationMS/1000)
	}
	observe(m.sweepDuration, kind, sweepBuckets, seconds)
	m.lastSweep = at
	m.ready = 0
	if ready {
		m.ready = 1
	}
}

// Reloaded counts a reload attempt.
func (m *Metrics) Reloaded(ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ok {
		m.reloads["success"]++
	} else {
		m.reloads["failure"]++
	}
}

// ServeHTTP writes every metric in the text exposition format 0.0.4.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	bw := bufio.NewWriter(w)
	m.write(&expo{w: bw})
	_ = bw.Flush()
}

func (m *Metrics) write(e *expo) {
	g := m.gauges
	m.mu.Lock()
	e.family("branchready_agent_checks_total", "counter", "Checks run, by kind and status.")
	for _, k := range sortedKeys(m.checks, func(a, b [2]string) bool { return a[0] < b[0] || a[0] == b[0] && a[1] < b[1] }) {
		e.sample("branchready_agent_checks_total", float64(m.checks[k]), "kind", k[0], "status", k[1])
	}
	e.histograms("branchready_agent_check_duration_seconds", "Duration of one check run, by kind.", "kind", m.checkDuration)
	e.histograms("branchready_agent_sweep_duration_seconds", "Duration of a whole sweep, by sweep kind.", "sweep", m.sweepDuration)
	e.gauge("branchready_agent_last_sweep_timestamp_seconds", "When the last sweep finished (Unix time).", m.lastSweep)
	e.gauge("branchready_agent_ready", "1 when every blocking check passed in the last sweep, else 0.", m.ready)
	e.family("branchready_agent_config_reloads_total", "counter", "Configuration reloads, by result (success, failure).")
	for _, r := range []string{"failure", "success"} {
		e.sample("branchready_agent_config_reloads_total", float64(m.reloads[r]), "result", r)
	}
	m.mu.Unlock()
	build := buildinfo.Get()
	e.family("branchready_agent_build_info", "gauge", "Agent version, VCS revision and Go version; always 1.")
	e.sample("branchready_agent_build_info", 1, "goversion", build.GoVersion, "revision", build.Revision, "version", m.version)
	e.gauge("branchready_agent_spool_results", "Results waiting in the spool for the collector.", g.SpoolResults())
	e.gauge("branchready_agent_spool_bytes", "Bytes of results waiting in the spool.", g.SpoolBytes())
	e.gauge("branchready_agent_ship_latency_seconds", "Duration of the last successful request to the collector.", g.ShipLatency())
	e.gauge("branchready_agent_ship_consecutive_failures", "Failed requests to the collector since the last success.", g.ShipFailures())
	e.family("branchready_agent_spool_dropped_total", "counter", "Results dropped from the spool without reaching the collector, by reason (spool_full, rejected, rejected_clock, corrupt, unencodable; disk_full and write_error: never reached the spool).")
	dropped := g.Dropped()
	for _, reason := range []string{"corrupt", "rejected", "spool_full"} {
		e.sample("branchready_agent_spool_dropped_total", float64(dropped[reason]), "reason", reason)
	}
	writeRuntime(e)
}

// writeRuntime writes the Go runtime's and the process's own series, the
// few of client_golang's standard ones an agent's dashboard uses.
func writeRuntime(e *expo) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	e.gauge("go_goroutines", "Number of goroutines that currently exist.", float64(runtime.NumGoroutine()))
	e.gauge("go_memstats_heap_alloc_bytes", "Number of heap bytes allocated and currently in use.", float64(ms.HeapAlloc))
	e.gauge("go_memstats_sys_bytes", "Number of bytes obtained from system.", float64(ms.Sys))
	e.family("go_gc_cycles_total", "counter", "Completed garbage collection cycles.")
	e.sample("go_gc_cycles_total", float64(ms.NumGC))
	e.family("go_info", "gauge", "Information about the Go environment.")
	e.sample("go_info", 1, "version", runtime.Version())
	e.gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", float64(processStart.UnixNano())/1e9)
	writeProcess(e)
}
