package admin

import (
	"os"
	"strconv"
	"strings"
)

// writeProcess writes the process's CPU time and resident memory from
// /proc/self/stat (utime and stime in clock ticks of 1/100 s, which Linux
// fixes on every architecture the agent ships for; rss in pages).
func writeProcess(e *expo) {
	raw, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return
	}
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 22 {
		return
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	rss, err3 := strconv.ParseFloat(f[21], 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return
	}
	e.family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.")
	e.sample("process_cpu_seconds_total", (ut+st)/100)
	e.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", rss*float64(os.Getpagesize()))
}
