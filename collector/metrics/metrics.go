package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/branchready/branchready/version"
)

// Metrics are the collector's instruments.
type Metrics struct {
	Registry *prometheus.Registry
	// IngestRequests counts ingest requests by HTTP status code.
	IngestRequests *prometheus.CounterVec
	// IngestResults counts results by outcome: stored, duplicate, rejected.
	IngestResults *prometheus.CounterVec
	// IngestBatchSize observes results per request.
	IngestBatchSize prometheus.Histogram
	// StoreWriteSeconds observes how long a batch took to commit.
	StoreWriteSeconds prometheus.Histogram
	// AgentClockSkew is the last measured skew of each branch's agent.
	AgentClockSkew *prometheus.GaugeVec
	// PrunedResults counts results deleted by retention.
	PrunedResults prometheus.Counter
	// PrunedIncidents counts resolved incidents deleted by retention.
	PrunedIncidents prometheus.Counter
	// SilentAgents counts branches whose agent stopped reporting.
	SilentAgents prometheus.Gauge
	// Branches counts branches by today's verdict.
	Branches *prometheus.GaugeVec
	// BranchReady is 1 for each branch ready (or ready_degraded) today, 0
	// when not ready or unknown; closed branches are left out.
	BranchReady *prometheus.GaugeVec
	// SLARatio is each region's on-time readiness and availability over
	// the last 30 rolled-up days.
	SLARatio *prometheus.GaugeVec
	// SLABudgetLeft is each region's error budget left over those days.
	SLABudgetLeft *prometheus.GaugeVec
	// SLAObjective holds the desired and adequate levels, for rules and panels.
	SLAObjective *prometheus.GaugeVec
	// SLARollups counts branch-days rolled up, by outcome (new, revised).
	SLARollups *prometheus.CounterVec
	// LoginFailures counts refused logins by reason (wrong_password, throttled).
	LoginFailures *prometheus.CounterVec
}

// New creates and registers the metrics, with Go and process collectors.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		IngestRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "branchready_ingest_requests_total",
			Help: "Result batches received, by HTTP status code answered.",
		}, []string{"code"}),
		IngestResults: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "branchready_ingest_results_total",
			Help: "Results received, by outcome (stored, duplicate, rejected; time_corrected counts results whose event time was shifted by the agent's clock skew; future and out_of_range count the rejected results whose event time lay after their batch's sent_at or outside the accepted window).",
		}, []string{"outcome"}),
		IngestBatchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "branchready_ingest_batch_results",
			Help:    "Results per ingest request.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 8),
		}),
		StoreWriteSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "branchready_store_write_duration_seconds",
			Help:    "Time to durably store one batch of results.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		SilentAgents: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "branchready_agents_silent",
			Help: "Branches whose agent has not reported for 15 minutes (three missed heartbeats).",
		}),
		PrunedResults: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "branchready_store_pruned_results_total",
			Help: "Results deleted because they were older than the retention.",
		}),
		PrunedIncidents: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "branchready_store_pruned_incidents_total",
			Help: "Resolved incidents deleted, with their messages' records, because they were older than the incident retention.",
		}),
		AgentClockSkew: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "branchready_agent_clock_skew_seconds",
			Help: "Collector clock minus agent clock at the agent's last request (positive: agent behind).",
		}, []string{"branch"}),
		Branches: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "branchready_branches",
			Help: "Branches by today's readiness verdict.",
		}, []string{"verdict"}),
		BranchReady: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "branchready_branch_ready",
			Help: "1 when the branch is ready (or ready_degraded) today, 0 when not ready or unknown; closed branches are absent.",
		}, []string{"branch", "region"}),
		SLARatio: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "branchready_sla_ratio",
			Help: "Per region over the last 30 days of rollups: on-time readiness (objective=on_time_readiness) or device availability in business hours (objective=availability), 0 to 1.",
		}, []string{"region", "objective"}),
		SLABudgetLeft: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "branchready_sla_error_budget_remaining",
			Help: "Per region over the last 30 days: late branch-days (on_time_readiness) or device-hours down (availability) still allowed before falling below adequate; negative in breach.",
		}, []string{"region", "objective"}),
		SLAObjective: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "branchready_sla_objective_ratio",
			Help: "The configured levels of each objective's zone of tolerance (level=desired or adequate).",
		}, []string{"objective", "level"}),
		SLARollups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "branchready_sla_rollups_total",
			Help: "Branch-days rolled up for the SLA reports, by outcome (new, revised).",
		}, []string{"outcome"}),
		LoginFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "branchready_login_failures_total",
			Help: "Logins to the board and API refused, by reason (wrong_password covers unknown users too; throttled: too many failures for the user or address).",
		}, []string{"reason"}),
	}
	v := version.Get()
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "branchready_build_info", Help: "The collector's build: version, VCS revision and Go version; always 1.",
		ConstLabels: prometheus.Labels{"version": v.Version, "revision": v.Revision, "goversion": v.GoVersion},
	})
	info.Set(1)
	m.Registry.MustRegister(m.BranchReady, m.SLARatio, m.SLABudgetLeft, m.SLAObjective, m.SLARollups,
		m.IngestRequests, m.IngestResults, m.IngestBatchSize, m.StoreWriteSeconds, m.PrunedResults, m.PrunedIncidents, m.SilentAgents, m.AgentClockSkew, m.Branches, m.LoginFailures,
		info, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
