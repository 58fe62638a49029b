//go:build linux

package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// userHZ is the unit of utime and stime in /proc/PID/stat; Linux fixes it
// at 100 on every architecture the agent ships for.
const userHZ = 100

// selfCPU is this process's user+system CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU is another process's user+system CPU time so far (10 ms steps).
func procCPU(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read cpu time: %w", err)
	}
	// The command name may hold spaces; fields count from after its ')'.
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad utime/stime", pid)
	}
	return time.Duration(ut+st) * time.Second / userHZ, nil
}

// idleRate measures how much CPU per second a process spends doing
// nothing (garbage collector, timers), to subtract from a measurement.
func idleRate(cpu func() (time.Duration, error), d time.Duration) (float64, error) {
	before, err := cpu()
	if err != nil {
		return 0, err
	}
	time.Sleep(d)
	after, err := cpu()
	if err != nil {
		return 0, err
	}
	return float64(after-before) / float64(d), nil
}

// target is one line of the targets file.
type target struct{ kind, addr string }

func readTargets(path string) ([]target, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("targets: %w", err)
	}
	defer f.Close()
	var out []target
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		kind, addr, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if ok {
			out = append(out, target{kind, addr})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("targets: %s lists none", path)
	}
	return out, sc.Err()
}

// report prints one side's CPU per probe, net of its idle rate.
func report(w *os.File, side string, probes int, cpu time.Duration, wall time.Duration, idle float64) float64 {
	net := float64(cpu) - idle*float64(wall)
	us := net / float64(probes) / 1e3
	fmt.Fprintf(w, "%s: %d probes in %.2fs wall, CPU %.3fs (idle share %.3fs subtracted): %.1f µs CPU/probe\n",
		side, probes, wall.Seconds(), cpu.Seconds(), idle*wall.Seconds(), us)
	return us
}
