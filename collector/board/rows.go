package board

import (
	"bytes"
	"fmt"
	"html/template"
	"sync"
	"time"

	"github.com/branchready/branchready/collector/readiness"
)

// A board page lists 200 rows, and executing the row template for each,
// with its field lookups, function calls and escaping through reflection,
// cost about 15 ms of CPU a page at 20,000 branches: an operator reading
// the board without pause took a quarter of a collector's CPU. Most of a
// row depends only on the judgement, which the snapshot keeps unchanged
// (same pointer) until the branch is judged again; the rest is the local
// time, the countdown and the agent's last contact, which depend on the
// clock but take few distinct values. So a row is cut into pieces (see
// templates/rows.html), each rendered by html/template once per judgement
// or once per value, and a page joins them. Every piece is html/template's
// own output beginning and ending between tags, so the joined row is
// escaped exactly as the whole row template escaped it.

// Limits of the caches: a few pages of judgements per snapshot kept, and
// the clock-dependent pieces start afresh when they grow past their limit.
const (
	maxRows   = 4096
	maxPieces = 4096
)

// Row piece templates, looked up once.
var (
	rowHead      = pages.Lookup("row-head")
	rowPlan      = pages.Lookup("row-plan")
	rowVerdict   = pages.Lookup("row-verdict")
	rowHealth    = pages.Lookup("row-health")
	rowLocalTime = pages.Lookup("row-local-time")
	rowLeft      = pages.Lookup("row-left")
	rowSeen      = pages.Lookup("row-seen")
)

// rowParts are the pieces of a row that depend only on its judgement.
type rowParts struct {
	head, plan, verdict, health template.HTML
	// used is the snapshot generation that last listed the row.
	used uint64
}

// seenKey is what the "agent last seen" piece depends on.
type seenKey struct {
	silent, never bool
	ago           time.Duration // rounded to the second
}

// rowCache keeps row pieces for the board. Its zero value is ready to use.
type rowCache struct {
	mu   sync.Mutex
	snap *readiness.Snapshot
	gen  uint64
	rows map[*readiness.BranchStatus]*rowParts
	// local are the local-time pieces of minute, by time zone.
	minute int64
	local  map[string]template.HTML
	left   map[left]template.HTML
	seen   map[seenKey]template.HTML
}

// write appends the rows of shown (branches of snap) as they read at now
// to page, which html/template has rendered up to the table's body.
func (c *rowCache) write(page *bytes.Buffer, e *readiness.Engine, snap *readiness.Snapshot, shown []*readiness.BranchStatus, now time.Time) error {
	parts := c.cached(snap, shown)
	for i, b := range shown {
		if parts[i] == nil {
			p, err := newRowParts(b)
			if err != nil {
				return err
			}
			parts[i] = p
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keep(shown, parts)
	for i, b := range shown {
		local, err := c.localTime(b, now)
		if err != nil {
			return err
		}
		left, err := c.countdown(b, now)
		if err != nil {
			return err
		}
		seen, err := c.lastSeen(e, b, now)
		if err != nil {
			return err
		}
		p := parts[i]
		for _, s := range [...]template.HTML{p.head, local, p.plan, left, p.verdict, seen, p.health} {
			page.WriteString(string(s))
		}
	}
	return nil
}

// cached looks up the rows' pieces (nil where missing) and starts a new
// generation when the snapshot changed.
func (c *rowCache) cached(snap *readiness.Snapshot, shown []*readiness.BranchStatus) []*rowParts {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rows == nil {
		c.rows = map[*readiness.BranchStatus]*rowParts{}
	}
	if snap != c.snap {
		c.snap = snap
		c.gen++
		c.prune()
	}
	parts := make([]*rowParts, len(shown))
	for i, b := range shown {
		if p, ok := c.rows[b]; ok {
			p.used = c.gen
			parts[i] = p
		}
	}
	return parts
}

// keep stores rows rendered for this page (c.mu held).
func (c *rowCache) keep(shown []*readiness.BranchStatus, parts []*rowParts) {
	for i, b := range shown {
		if _, ok := c.rows[b]; !ok {
			parts[i].used = c.gen
			c.rows[b] = parts[i]
		}
	}
	if len(c.rows) > 4*maxRows {
		c.prune()
	}
}

// prune drops rows the last two generations did not list, once there are
// more than maxRows: a judgement replaced in the snapshot is never listed
// again, and the cache must not keep it alive (c.mu held).
func (c *rowCache) prune() {
	if len(c.rows) <= maxRows {
		return
	}
	for b, p := range c.rows {
		if p.used+1 < c.gen {
			delete(c.rows, b)
		}
	}
}

// localTime is the piece saying b's local time at now (c.mu held). It
// changes by the minute and is the same for every branch of a zone.
func (c *rowCache) localTime(b *readiness.BranchStatus, now time.Time) (template.HTML, error) {
	if m := now.Unix() / 60; m != c.minute || c.local == nil {
		c.minute, c.local = m, map[string]template.HTML{}
	}
	if p, ok := c.local[b.Timezone]; ok && b.Timezone != "" {
		return p, nil
	}
	loc, err := zones.Load(b.Timezone)
	if err != nil || b.Timezone == "" { // no zone: as judged
		return execute(rowLocalTime, b.LocalTime)
	}
	p, err := execute(rowLocalTime, now.In(loc).Format(localTimeFormat))
	if err == nil {
		c.local[b.Timezone] = p
	}
	return p, err
}

// localTimeFormat is how readiness words a branch's local time (Engine.Live).
const localTimeFormat = "2006-01-02 15:04 MST"

// countdown is the piece after "ready by": how long is left (c.mu held).
func (c *rowCache) countdown(b *readiness.BranchStatus, now time.Time) (template.HTML, error) {
	if c.left == nil || len(c.left) > maxPieces {
		c.left = map[left]template.HTML{}
	}
	l := leftOf(b.Judgement, now)
	if p, ok := c.left[l]; ok {
		return p, nil
	}
	p, err := execute(rowLeft, l.String())
	if err == nil {
		c.left[l] = p
	}
	return p, err
}

// lastSeen is the piece saying when the agent last reported (c.mu held).
func (c *rowCache) lastSeen(e *readiness.Engine, b *readiness.BranchStatus, now time.Time) (template.HTML, error) {
	if c.seen == nil || len(c.seen) > maxPieces {
		c.seen = map[seenKey]template.HTML{}
	}
	k := seenKey{silent: e.Silent(b.Contact), never: b.Contact.At.IsZero()}
	if !k.never {
		k.ago = now.Sub(b.Contact.At).Round(time.Second)
	}
	if p, ok := c.seen[k]; ok {
		return p, nil
	}
	p, err := execute(rowSeen, struct {
		Silent bool
		Since  string
	}{k.silent, sinceText(k)})
	if err == nil {
		c.seen[k] = p
	}
	return p, err
}

// sinceText words how long ago an agent reported.
func sinceText(k seenKey) string {
	if k.never {
		return "never"
	}
	return k.ago.String() + " ago"
}

// newRowParts renders the pieces of b's row that depend only on its
// judgement.
func newRowParts(b *readiness.BranchStatus) (*rowParts, error) {
	p := &rowParts{}
	for _, x := range []struct {
		t   *template.Template
		out *template.HTML
	}{{rowHead, &p.head}, {rowPlan, &p.plan}, {rowVerdict, &p.verdict}, {rowHealth, &p.health}} {
		s, err := execute(x.t, b)
		if err != nil {
			return nil, err
		}
		*x.out = s
	}
	return p, nil
}

// execute renders t over data: html/template's output, safe to join.
func execute(t *template.Template, data any) (template.HTML, error) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return "", fmt.Errorf("render %s: %w", t.Name(), err)
	}
	return template.HTML(buf.String()), nil
}
