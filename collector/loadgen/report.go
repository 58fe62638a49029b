package loadgen

import (
	"fmt"
	"io"
	"math"
	"slices"
	"time"
)

// latencies are the durations of one kind of event in a round.
type latencies struct {
	d []time.Duration
	// failed counts requests that got no complete 200 answer; firstErr
	// says why the first did not.
	failed   int
	firstErr error
}

func (l *latencies) add(d time.Duration) { l.d = append(l.d, d) }
func (l *latencies) n() int              { return len(l.d) }

// merge adds another reader's times to l.
func (l *latencies) merge(o latencies) {
	l.d = append(l.d, o.d...)
	if l.failed += o.failed; l.firstErr == nil {
		l.firstErr = o.firstErr
	}
}

// pct is the q-quantile (nearest rank); zero when empty.
func (l latencies) pct(q float64) time.Duration {
	if len(l.d) == 0 {
		return 0
	}
	s := slices.Clone(l.d)
	slices.Sort(s)
	return s[max(0, int(math.Ceil(q*float64(len(s))))-1)]
}

// roundFigures are one wave's measurements.
type roundFigures struct {
	results int
	// absorbed: from the first post to the last acknowledgement.
	absorbed time.Duration
	// judged: from the first post until a poll of the branch list showed
	// every branch's verdict current.
	judged time.Duration
	// The board read during the wave by one operator.
	board, filtered, branch latencies
	// notify: from a batch's acknowledgement to Slack receiving the
	// message of the check that newly failed in it.
	notify  latencies
	peakRSS int64
	cpu     time.Duration
	// genCPU is the load generator's own CPU in the round (its agents,
	// readers, fake Slack and polls), which shares the machine.
	genCPU time.Duration
	load   string
}

func (f roundFigures) perSec() float64 { return float64(f.results) / f.absorbed.Seconds() }

// summary is a round's figures as the table prints them; the median row
// is the median of each column over the rounds.
type summary struct {
	results                         int
	absorbed, judged                time.Duration
	perSec                          float64
	boardP50, boardP95, filteredP95 time.Duration
	branchP50, branchP95            time.Duration
	notifyP50, notifyP99            time.Duration
	notified, pages, failedPages    int
	peakRSS                         int64
	cpu, genCPU                     time.Duration
	load                            string
}

func summarize(f roundFigures) summary {
	return summary{results: f.results, absorbed: f.absorbed, judged: f.judged, perSec: f.perSec(),
		boardP50: f.board.pct(0.5), boardP95: f.board.pct(0.95), filteredP95: f.filtered.pct(0.95),
		branchP50: f.branch.pct(0.5), branchP95: f.branch.pct(0.95),
		notifyP50: f.notify.pct(0.5), notifyP99: f.notify.pct(0.99), notified: f.notify.n(),
		pages: f.board.n() + f.filtered.n() + f.branch.n(), failedPages: f.board.failed + f.filtered.failed + f.branch.failed,
		peakRSS: f.peakRSS, cpu: f.cpu, genCPU: f.genCPU, load: f.load}
}

// sizeFigures are the rounds of one size and their median.
type sizeFigures struct {
	branches int
	rounds   []roundFigures
	median   summary
}

func medianOf(rs []roundFigures) summary {
	ss := make([]summary, len(rs))
	for i, r := range rs {
		ss[i] = summarize(r)
	}
	d := func(get func(summary) time.Duration) time.Duration {
		v := make([]time.Duration, len(ss))
		for i, s := range ss {
			v[i] = get(s)
		}
		return median(v)
	}
	i := func(get func(summary) int) int {
		v := make([]int, len(ss))
		for k, s := range ss {
			v[k] = get(s)
		}
		return median(v)
	}
	rates := make([]float64, len(ss))
	rss := make([]int64, len(ss))
	for k, s := range ss {
		rates[k], rss[k] = s.perSec, s.peakRSS
	}
	return summary{results: ss[0].results,
		absorbed: d(func(s summary) time.Duration { return s.absorbed }), judged: d(func(s summary) time.Duration { return s.judged }),
		perSec:   median(rates),
		boardP50: d(func(s summary) time.Duration { return s.boardP50 }), boardP95: d(func(s summary) time.Duration { return s.boardP95 }),
		filteredP95: d(func(s summary) time.Duration { return s.filteredP95 }),
		branchP50:   d(func(s summary) time.Duration { return s.branchP50 }), branchP95: d(func(s summary) time.Duration { return s.branchP95 }),
		notifyP50: d(func(s summary) time.Duration { return s.notifyP50 }), notifyP99: d(func(s summary) time.Duration { return s.notifyP99 }),
		notified: i(func(s summary) int { return s.notified }), pages: i(func(s summary) int { return s.pages }),
		failedPages: i(func(s summary) int { return s.failedPages }),
		peakRSS:     slices.Max(rss), cpu: d(func(s summary) time.Duration { return s.cpu }),
		genCPU: d(func(s summary) time.Duration { return s.genCPU }), load: ss[len(ss)-1].load,
	}
}

// median of an odd count is the middle value; of an even count the lower
// middle one, so it is always a value that was measured.
func median[T int | int64 | float64 | time.Duration](v []T) T {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

const roundHeader = "%-7s %9s %9s %10s %9s | %9s %9s %9s %9s %9s | %9s %9s %6s | %8s %7s %7s | %s\n"

func printRoundHeader(w io.Writer) {
	fmt.Fprintf(w, roundHeader, "round", "results", "absorbed", "results/s", "judged",
		"board p50", "board p95", "filt p95", "page p50", "page p95", "notif p50", "notif p99", "msgs", "peak RSS", "CPU s", "gen CPU", "load (pages read, failed)")
}

func printRound(w io.Writer, name string, s summary) {
	fmt.Fprintf(w, roundHeader, name, fmt.Sprint(s.results), ms(s.absorbed), fmt.Sprintf("%.0f", s.perSec), ms(s.judged),
		ms(s.boardP50), ms(s.boardP95), ms(s.filteredP95), ms(s.branchP50), ms(s.branchP95),
		ms(s.notifyP50), ms(s.notifyP99), fmt.Sprint(s.notified), mib(s.peakRSS), fmt.Sprintf("%.1f", s.cpu.Seconds()), fmt.Sprintf("%.1f", s.genCPU.Seconds()),
		fmt.Sprintf("%s (%d, %d)", s.load, s.pages, s.failedPages))
}

// printGrowth prints each size's medians, so the cost's growth shows.
func printGrowth(w io.Writer, storeName string, rows []sizeFigures) {
	fmt.Fprintf(w, "\ngrowth (%s, medians of each size's rounds):\n", storeName)
	fmt.Fprintf(w, "%9s %9s %10s %9s %9s %9s %9s %9s %8s %7s %7s\n", "branches", "absorbed", "results/s", "judged", "board p95", "filt p95", "page p95", "notif p99", "peak RSS", "CPU s", "gen CPU")
	for _, r := range rows {
		m := r.median
		fmt.Fprintf(w, "%9d %9s %10.0f %9s %9s %9s %9s %9s %8s %7.1f %7.1f\n", r.branches, ms(m.absorbed), m.perSec, ms(m.judged),
			ms(m.boardP95), ms(m.filteredP95), ms(m.branchP95), ms(m.notifyP99), mib(m.peakRSS), m.cpu.Seconds(), m.genCPU.Seconds())
	}
}

// ms prints a duration for the table; "-" when nothing was measured.
func ms(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
}

func mib(b int64) string { return fmt.Sprintf("%dMiB", b>>20) }
