package alerting

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/branchready/branchready/alerts"
)

// Metrics are the engine's Prometheus metrics.
type Metrics struct {
	ResultsObserved prometheus.Counter
	Decided         prometheus.Counter
	SaveFailures    prometheus.Counter
	Open            *prometheus.GaugeVec
	// QueueWait is how long results handed over by ingest waited for the
	// engine; SaveSeconds how long saving a run of decisions took. Their
	// sum is most of the time from a failing result stored to its
	// notification decided.
	QueueWait   prometheus.Histogram
	SaveSeconds prometheus.Histogram
	// TickSeconds is how long one tick held the loop (results wait
	// meanwhile).
	TickSeconds prometheus.Histogram
}

// NewMetrics makes the metrics; Register adds them to a registry.
func NewMetrics() *Metrics {
	return &Metrics{
		ResultsObserved: prometheus.NewCounter(prometheus.CounterOpts{Name: "branchready_alert_results_observed_total",
			Help: "Results the alert engine applied to incidents."}),
		Decided: prometheus.NewCounter(prometheus.CounterOpts{Name: "branchready_alert_notifications_decided_total",
			Help: "Notifications the alert engine decided and saved to the outbox."}),
		SaveFailures: prometheus.NewCounter(prometheus.CounterOpts{Name: "branchready_alert_save_failures_total",
			Help: "Incident changes the store refused (the engine reloaded the branch from the store)."}),
		QueueWait: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "branchready_alert_queue_wait_seconds",
			Help:    "Time results handed over by ingest waited before the alert engine applied them.",
			Buckets: []float64{0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}}),
		SaveSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "branchready_alert_save_seconds",
			Help:    "Time the alert engine took to save one run of decisions (incident changes and outbox rows, one transaction).",
			Buckets: []float64{0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}}),
		TickSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "branchready_alert_tick_seconds",
			Help:    "Time one tick of the alert engine took (re-reading branches and silences, advancing every branch's clock); results handed over meanwhile wait.",
			Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}}),
		Open: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "branchready_incidents_open",
			Help: "Open incidents by severity and state (pending or firing)."}, []string{"severity", "state"}),
	}
}

// Register adds the metrics to r.
func (m *Metrics) Register(r prometheus.Registerer) {
	r.MustRegister(m.ResultsObserved, m.Decided, m.SaveFailures, m.Open, m.QueueWait, m.SaveSeconds, m.TickSeconds)
}

func (m *Metrics) observeOpen(bs map[string]*branch) {
	counts := map[[2]string]int{}
	for _, sev := range []alerts.Severity{alerts.Critical, alerts.Warning, alerts.Info} {
		for _, st := range []alerts.State{alerts.Pending, alerts.Firing} {
			counts[[2]string{string(sev), string(st)}] = 0
		}
	}
	for _, b := range bs {
		for _, inc := range b.Incidents {
			if inc.Open() {
				counts[[2]string{string(inc.Severity), string(inc.State)}]++
			}
		}
	}
	for k, n := range counts {
		m.Open.WithLabelValues(k[0], k[1]).Set(float64(n))
	}
}
