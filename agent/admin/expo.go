package admin

import (
	"bufio"
	"slices"
	"strconv"
	"strings"
	"time"
)

// processStart stands in for the process's start time.
var processStart = time.Now()

// expo writes Prometheus' text exposition format.
type expo struct{ w *bufio.Writer }

// family writes the HELP and TYPE lines that precede a metric's samples.
func (e *expo) family(name, typ, help string) {
	help = strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(help)
	e.w.WriteString("# HELP " + name + " " + help + "\n# TYPE " + name + " " + typ + "\n")
}

// sample writes one sample; labels are name, value pairs.
func (e *expo) sample(name string, v float64, labels ...string) {
	e.w.WriteString(name)
	for i := 0; i+1 < len(labels); i += 2 {
		sep := ","
		if i == 0 {
			sep = "{"
		}
		e.w.WriteString(sep + labels[i] + `="` + escapeLabel(labels[i+1]) + `"`)
	}
	if len(labels) > 0 {
		e.w.WriteByte('}')
	}
	e.w.WriteString(" " + formatFloat(v) + "\n")
}

func (e *expo) gauge(name, help string, v float64) {
	e.family(name, "gauge", help)
	e.sample(name, v)
}

// histograms writes a histogram family with one label.
func (e *expo) histograms(name, help, label string, hs map[string]*histogram) {
	e.family(name, "histogram", help)
	for _, k := range sortedKeys(hs, func(a, b string) bool { return a < b }) {
		h := hs[k]
		var cum uint64
		for i, le := range h.bounds {
			cum += h.counts[i]
			e.sample(name+"_bucket", float64(cum), label, k, "le", formatFloat(le))
		}
		e.sample(name+"_bucket", float64(h.count), label, k, "le", "+Inf")
		e.sample(name+"_sum", h.sum, label, k)
		e.sample(name+"_count", float64(h.count), label, k)
	}
}

func escapeLabel(v string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// histogram counts observations per bucket (not cumulative; the last
// count is above every bound).
type histogram struct {
	bounds []float64
	counts []uint64
	sum    float64
	count  uint64
}

// observe adds v to the histogram of key in hs, making it if needed.
func observe(hs map[string]*histogram, key string, bounds []float64, v float64) {
	h := hs[key]
	if h == nil {
		h = &histogram{bounds: bounds, counts: make([]uint64, len(bounds)+1)}
		hs[key] = h
	}
	i, _ := slices.BinarySearch(bounds, v) // the first bound >= v: le is inclusive
	h.counts[i]++
	h.sum += v
	h.count++
}

// exponential returns n bounds: start, start*factor, ...
func exponential(start, factor float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = start
		start *= factor
	}
	return out
}

// sortedKeys returns m's keys in the order less gives, so that scrapes
// list series in a stable order.
func sortedKeys[K comparable, V any](m map[K]V, less func(a, b K) bool) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b K) int {
		switch {
		case less(a, b):
			return -1
		case less(b, a):
			return 1
		}
		return 0
	})
	return keys
}
