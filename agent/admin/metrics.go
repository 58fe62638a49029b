package admin

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/branchready/branchready/result"
	buildinfo "github.com/branchready/branchready/version"
)

// Metrics are the agent's instruments.
type Metrics struct {
	Registry      *prometheus.Registry
	checks        *prometheus.CounterVec
	checkDuration *prometheus.HistogramVec
	sweepDuration *prometheus.HistogramVec
	lastSweep     prometheus.Gauge
	ready         prometheus.Gauge
	reloads       *prometheus.CounterVec
}

// Gauges the agent reads at scrape time from its spool and shipper.
type Gauges struct {
	SpoolResults func() float64
	SpoolBytes   func() float64
	Dropped      func() map[string]uint64
	ShipLatency  func() float64
	ShipFailures func() float64
}

// NewMetrics registers the agent's metrics.
func NewMetrics(version string, g Gauges) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "branchready_agent_checks_total", Help: "Checks run, by kind and status.",
		}, []string{"kind", "status"}),
		checkDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "branchready_agent_check_duration_seconds", Help: "Duration of one check run, by kind.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 9),
		}, []string{"kind"}),
		sweepDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "branchready_agent_sweep_duration_seconds", Help: "Duration of a whole sweep, by sweep kind.",
			Buckets: prometheus.ExponentialBuckets(0.01, 3, 9),
		}, []string{"sweep"}),
		lastSweep: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "branchready_agent_last_sweep_timestamp_seconds", Help: "When the last sweep finished (Unix time).",
		}),
		ready: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "branchready_agent_ready", Help: "1 when every blocking check passed in the last sweep, else 0.",
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "branchready_agent_config_reloads_total", Help: "Configuration reloads, by result (success, failure).",
		}, []string{"result"}),
	}
	build := buildinfo.Get()
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "branchready_agent_build_info", Help: "Agent version, VCS revision and Go version; always 1.",
		ConstLabels: prometheus.Labels{"version": version, "revision": build.Revision, "goversion": build.GoVersion},
	})
	info.Set(1)
	m.Registry.MustRegister(m.checks, m.checkDuration, m.sweepDuration, m.lastSweep, m.ready, m.reloads, info,
		gaugeFunc("branchready_agent_spool_results", "Results waiting in the spool for the collector.", g.SpoolResults),
		gaugeFunc("branchready_agent_spool_bytes", "Bytes of results waiting in the spool.", g.SpoolBytes),
		gaugeFunc("branchready_agent_ship_latency_seconds", "Duration of the last successful request to the collector.", g.ShipLatency),
		gaugeFunc("branchready_agent_ship_consecutive_failures", "Failed requests to the collector since the last success.", g.ShipFailures),
		&droppedCollector{desc: prometheus.NewDesc("branchready_agent_spool_dropped_total",
			"Results dropped from the spool without reaching the collector, by reason (spool_full, rejected, rejected_clock, corrupt, unencodable; disk_full and write_error: never reached the spool).", []string{"reason"}, nil), f: g.Dropped},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func gaugeFunc(name, help string, f func() float64) prometheus.GaugeFunc {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
}

// droppedCollector exposes the spool's persisted drop counters.
type droppedCollector struct {
	desc *prometheus.Desc
	f    func() map[string]uint64
}

func (d *droppedCollector) Describe(ch chan<- *prometheus.Desc) { ch <- d.desc }

func (d *droppedCollector) Collect(ch chan<- prometheus.Metric) {
	for _, reason := range []string{"spool_full", "rejected", "corrupt"} {
		ch <- prometheus.MustNewConstMetric(d.desc, prometheus.CounterValue, float64(d.f()[reason]), reason)
	}
}

// ObserveSweep records a finished sweep.
func (m *Metrics) ObserveSweep(kind string, seconds float64, rs []result.Result, ready bool, at float64) {
	for _, r := range rs {
		m.checks.WithLabelValues(r.Kind, string(r.Status)).Inc()
		m.checkDuration.WithLabelValues(r.Kind).Observe(r.DurationMS / 1000)
	}
	m.sweepDuration.WithLabelValues(kind).Observe(seconds)
	m.lastSweep.Set(at)
	if ready {
		m.ready.Set(1)
	} else {
		m.ready.Set(0)
	}
}

// Reloaded counts a reload attempt.
func (m *Metrics) Reloaded(ok bool) {
	if ok {
		m.reloads.WithLabelValues("success").Inc()
	} else {
		m.reloads.WithLabelValues("failure").Inc()
	}
}
