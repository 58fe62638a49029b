package snmp

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/branchready/branchready/checks"
	"github.com/branchready/branchready/result"
	"github.com/gosnmp/gosnmp"
)

// Check is a compiled snmp check. It remembers the device's last sysUpTime
// to notice restarts between runs.
type Check struct {
	session Session
	noun    string
	specs   []spec
	restart bool
	dial    Dialer

	mu         sync.Mutex
	lastUptime uint32
	haveUptime bool
}

// reading is what one run read from the agent.
type reading struct {
	get  map[string]gosnmp.SnmpPDU
	walk map[string][]gosnmp.SnmpPDU
}

// Run reads the configured OIDs and judges them.
func (c *Check) Run(ctx context.Context) checks.Outcome {
	start := time.Now()
	cl, err := c.dial(ctx, c.session)
	if err != nil {
		return c.failure(ctx, start, err)
	}
	defer cl.Close()
	// gosnmp honours the deadline itself; closing the socket makes sure a
	// cancelled context ends the wait too.
	stop := context.AfterFunc(ctx, func() { _ = cl.Close() })
	defer stop()
	rd, err := c.read(cl)
	if err != nil {
		return c.failure(ctx, start, err)
	}
	return c.judge(rd).Observe("response_seconds", time.Since(start).Seconds())
}

// read makes one GET of every single instance, then walks each table.
func (c *Check) read(cl Client) (reading, error) {
	rd := reading{get: map[string]gosnmp.SnmpPDU{}, walk: map[string][]gosnmp.SnmpPDU{}}
	gets := []string{}
	if c.restart {
		gets = append(gets, oidSysUpTime)
	}
	var walks []string
	for _, sp := range c.specs {
		if !sp.walk {
			gets = append(gets, sp.oid)
			continue
		}
		walks = append(walks, sp.oid, sp.detail, sp.sameRowsAs)
	}
	if len(gets) > 0 {
		pdus, err := cl.Get(gets)
		if err != nil {
			return rd, err
		}
		for _, p := range pdus {
			rd.get[strings.TrimPrefix(p.Name, ".")] = p
		}
	}
	for _, w := range walks {
		if _, done := rd.walk[w]; done || w == "" {
			continue
		}
		pdus, err := cl.Walk(w)
		if err != nil {
			return rd, err
		}
		rd.walk[w] = pdus
	}
	return rd, nil
}

// judge turns a reading into one outcome.
func (c *Check) judge(rd reading) checks.Outcome {
	var fs []finding
	var unsupported []string
	supported := 0
	obs := map[string]float64{}
	for _, sp := range c.specs {
		rows := sp.rows(rd)
		if len(rows) == 0 {
			if !sp.optional {
				unsupported = append(unsupported, sp.name)
			}
			continue
		}
		supported++
		for _, r := range rows {
			fs = append(fs, judgeRow(sp, r)...)
		}
		if sp.observe != "" && rows[0].val.isNum {
			obs[sp.observe] = rows[0].val.num
		}
	}
	if f, ok := c.uptime(rd, obs); ok {
		fs = append(fs, f)
	}
	if supported == 0 && len(unsupported) > 0 {
		return withObs(checks.Unknown("%s: %s not supported by this device", c.where(), strings.Join(unsupported, ", ")), obs)
	}
	for _, name := range unsupported {
		fs = append(fs, finding{result.StatusDegraded, name + " not supported by this device"})
	}
	return withObs(c.verdict(fs), obs)
}

// rows lists the values read for sp, leaving out missing instances.
func (sp spec) rows(rd reading) []row {
	if !sp.walk {
		p, ok := rd.get[sp.oid]
		if !ok || missing(p) {
			return nil
		}
		return []row{{oid: sp.oid, val: valueOf(p)}}
	}
	details := indexed(rd.walk[sp.detail], sp.detail)
	var keep map[string]gosnmp.SnmpPDU
	if sp.sameRowsAs != "" {
		keep = indexed(rd.walk[sp.sameRowsAs], sp.sameRowsAs)
	}
	var out []row
	for idx, p := range indexed(rd.walk[sp.oid], sp.oid) {
		if _, ok := keep[idx]; keep != nil && !ok {
			continue
		}
		r := row{oid: strings.TrimPrefix(p.Name, "."), index: idx, val: valueOf(p)}
		if d, ok := details[idx]; ok {
			r.detail = strings.TrimSpace(valueOf(d).text)
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return lessOID(out[i].index, out[j].index) })
	return out
}

// indexed maps the row index (OID suffix under root) to each present value.
func indexed(pdus []gosnmp.SnmpPDU, root string) map[string]gosnmp.SnmpPDU {
	out := map[string]gosnmp.SnmpPDU{}
	for _, p := range pdus {
		idx, ok := strings.CutPrefix(strings.TrimPrefix(p.Name, "."), root+".")
		if ok && !missing(p) {
			out[idx] = p
		}
	}
	return out
}

func lessOID(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, _ := strconv.Atoi(as[i])
		y, _ := strconv.Atoi(bs[i])
		if x != y {
			return x < y
		}
	}
	return len(as) < len(bs)
}

// uptime records sysUpTime and reports a restart since the last run.
func (c *Check) uptime(rd reading, obs map[string]float64) (finding, bool) {
	p, ok := rd.get[oidSysUpTime]
	if !c.restart || !ok || missing(p) {
		return finding{}, false
	}
	v := valueOf(p)
	if !v.isNum || v.num < 0 || v.num > math.MaxUint32 {
		return finding{}, false
	}
	ticks := uint32(v.num)
	up := time.Duration(ticks) * 10 * time.Millisecond
	obs["uptime_seconds"] = up.Seconds()
	c.mu.Lock()
	prev, had := c.lastUptime, c.haveUptime
	c.lastUptime, c.haveUptime = ticks, true
	c.mu.Unlock()
	// TimeTicks wrap after 497 days; a value near the top going back to
	// small is a wrap, not a restart.
	const day = 24 * 3600 * 100
	if !had || ticks >= prev || prev > math.MaxUint32-day {
		return finding{}, false
	}
	return finding{result.StatusDegraded, "restarted " + ago(up) + " ago"}, true
}

func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return plural(int(d/time.Second), "second")
	case d < 2*time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour")
	}
	return plural(int(d/(24*time.Hour)), "day")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// verdict joins the findings: the worst status, with the reasons that
// explain it, worst first.
func (c *Check) verdict(fs []finding) checks.Outcome {
	worst := result.StatusOK
	for _, f := range fs {
		if rank(f.status) > rank(worst) {
			worst = f.status
		}
	}
	sort.SliceStable(fs, func(i, j int) bool { return rank(fs[i].status) > rank(fs[j].status) })
	var reasons []string
	seen := map[string]bool{}
	for _, f := range fs {
		if (worst != result.StatusOK && f.status == result.StatusOK) || f.reason == "" || seen[f.reason] {
			continue
		}
		seen[f.reason] = true
		reasons = append(reasons, f.reason)
	}
	const most = 5
	if len(reasons) > most {
		reasons = append(reasons[:most], fmt.Sprintf("and %d more", len(reasons)-most))
	}
	if len(reasons) == 0 {
		return checks.OK("%s answers SNMP", c.where())
	}
	return checks.Outcome{Status: worst, Reason: c.where() + ": " + strings.Join(reasons, "; ")}
}

func withObs(o checks.Outcome, obs map[string]float64) checks.Outcome {
	for k, v := range obs {
		o = o.Observe(k, v)
	}
	return o
}

// where names the device in reasons: "printer at 10.1.2.3".
func (c *Check) where() string {
	if c.session.Port == 161 {
		return c.noun + " at " + c.session.Host
	}
	return c.noun + " at " + net.JoinHostPort(c.session.Host, strconv.Itoa(int(c.session.Port)))
}

// failure words an error that kept the check from reading anything.
func (c *Check) failure(ctx context.Context, start time.Time, err error) checks.Outcome {
	user := c.session.User
	var dns *net.DNSError
	switch {
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, gosnmp.ErrMaxRetriesExceeded):
		return checks.Fail("%s did not answer SNMP within %s", c.where(), c.within(ctx, start))
	case errors.Is(err, syscall.ECONNREFUSED):
		return checks.Fail("%s refused SNMP on port %d: no SNMP agent is listening (is SNMP enabled on the device?)", c.where(), c.session.Port)
	case errors.As(err, &dns):
		return checks.Fail("cannot find %s in DNS: %s", c.session.Host, c.redact(dns.Err))
	case strings.Contains(err.Error(), "not authentic"):
		// gosnmp cannot tell these apart: the agent's unauthenticated
		// report fails gosnmp's own authenticity check first.
		return checks.Unknown("%s rejected SNMPv3 user %q: unknown user or wrong authentication password (check user and auth_password_env)", c.where(), user)
	case errors.Is(err, gosnmp.ErrUnknownUsername):
		return checks.Unknown("%s does not know the SNMPv3 user %q: fix the user on the device or in the check", c.where(), user)
	case errors.Is(err, gosnmp.ErrWrongDigest):
		return checks.Unknown("%s rejected the SNMPv3 authentication password of user %q: fix auth_password_env", c.where(), user)
	case errors.Is(err, gosnmp.ErrDecryption):
		return checks.Unknown("%s could not decrypt the request of SNMPv3 user %q: fix priv_password_env or priv_protocol", c.where(), user)
	case errors.Is(err, gosnmp.ErrUnknownSecurityLevel):
		return checks.Unknown("%s does not accept this SNMPv3 security level for user %q: check auth_ and priv_ options", c.where(), user)
	}
	return checks.Fail("%s: SNMP request failed: %s", c.where(), c.redact(err.Error()))
}

// within is the time the check allowed, for "did not answer within 2s".
func (c *Check) within(ctx context.Context, start time.Time) time.Duration {
	d := time.Since(start)
	if dl, ok := ctx.Deadline(); ok {
		d = dl.Sub(start)
	}
	if d < time.Second {
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}

// redact hides the community and passwords should a library echo them.
func (c *Check) redact(s string) string {
	for _, secret := range []string{c.session.AuthPass, c.session.PrivPass, c.session.Community} {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "<secret>")
		}
	}
	return s
}
