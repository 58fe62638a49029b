package outbox

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics receives what the Deliverer measures. Prometheus implements it;
// nil means none.
type Metrics interface {
	// Delivered counts a message the notifier accepted, latency after its
	// decision (Message.DecidedAt).
	Delivered(notifier string, latency time.Duration)
	// Failed counts a failed attempt; permanent says the row was failed
	// for good (a configuration error) rather than scheduled for retry.
	Failed(notifier, reason string, permanent bool)
	// Outbox reports the pending rows and the age of the oldest.
	Outbox(pending int, oldest time.Duration)
}

type nopMetrics struct{}

func (nopMetrics) Delivered(string, time.Duration) {}
func (nopMetrics) Failed(string, string, bool)     {}
func (nopMetrics) Outbox(int, time.Duration)       {}

// Prometheus is Metrics as Prometheus instruments; register Collectors on
// the collector's registry.
type Prometheus struct {
	delivered *prometheus.CounterVec
	failures  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	pending   prometheus.Gauge
	oldest    prometheus.Gauge
}

var _ Metrics = (*Prometheus)(nil)

// NewPrometheus creates the instruments, unregistered.
func NewPrometheus() *Prometheus {
	return &Prometheus{
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "branchready_notifications_delivered_total",
			Help: "Notifications a notifier accepted, by notifier.",
		}, []string{"notifier"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "branchready_notification_failures_total",
			Help: "Failed delivery attempts, by notifier, reason (rate_limited, server_error, invalid_auth, channel_not_found, ...) and whether the notification was given up (permanent=true: a configuration error) or will be retried.",
		}, []string{"notifier", "reason", "permanent"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "branchready_notification_latency_seconds",
			Help:    "Time from the decision to notify to the notifier accepting the message.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900},
		}, []string{"notifier"}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "branchready_outbox_pending",
			Help: "Notifications decided and not yet delivered or failed.",
		}),
		oldest: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "branchready_outbox_oldest_pending_age_seconds",
			Help: "Age of the oldest pending notification, from its decision; 0 when none is pending.",
		}),
	}
}

// Collectors returns the instruments to register.
func (p *Prometheus) Collectors() []prometheus.Collector {
	return []prometheus.Collector{p.delivered, p.failures, p.latency, p.pending, p.oldest}
}

// Delivered implements Metrics.
func (p *Prometheus) Delivered(notifier string, latency time.Duration) {
	p.delivered.WithLabelValues(notifier).Inc()
	p.latency.WithLabelValues(notifier).Observe(latency.Seconds())
}

// Failed implements Metrics.
func (p *Prometheus) Failed(notifier, reason string, permanent bool) {
	p.failures.WithLabelValues(notifier, reason, strconv.FormatBool(permanent)).Inc()
}

// Outbox implements Metrics.
func (p *Prometheus) Outbox(pending int, oldest time.Duration) {
	p.pending.Set(float64(pending))
	p.oldest.Set(oldest.Seconds())
}
