package board

import (
	"bytes"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/branchready/branchready/collector/api"
	"github.com/branchready/branchready/collector/readiness"
)

// boardPage serves the board: a page of branches from the engine's
// snapshot, its head and rows rendered from caches (see topCache and
// rowCache).
type boardPage struct {
	e    *readiness.Engine
	now  func() time.Time
	log  *slog.Logger
	rows rowCache
	tops topCache
	sels selCache
}

func (bp *boardPage) serve(w http.ResponseWriter, r *http.Request) {
	v, err := parseView(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if done, of, starting := bp.e.Starting(); starting {
		// Just started: say how far judging has got rather than hold
		// the request for the whole first judgement.
		w.Header().Set("Retry-After", "2")
		renderStatus(w, bp.log, http.StatusServiceUnavailable, "judging.html", map[string]any{"Done": done, "Of": of})
		return
	}
	// The board a person reads shows the published judgement (at most
	// Run's 250 ms gap behind) instead of waiting for every batch handed
	// in: in a wave each wait would run a refresh of its own. Scripts that
	// need their own batches judged read /api/v1/branches, which waits.
	snap, err := bp.e.Latest(r.Context())
	if err != nil {
		bp.log.Error("board", "err", err)
		http.Error(w, "cannot load branches", http.StatusInternalServerError)
		return
	}
	p := api.Person(r)
	sel := bp.sels.get(snap, covers(p), v.Region, v.Verdict)
	shown, v := v.apply(sel)
	t := bp.now()
	data := map[string]any{"Shown": len(shown), "Total": sel.Total, "Counts": counts(sel.Counts),
		"View": v, "Now": t.UTC(), "Who": who(p), "JudgedAt": snap.At.UTC()}
	key := topKey{who: who(p), region: v.Region, verdict: v.Verdict, page: v.Page}
	writePage(w, bp.log, http.StatusOK, "board.html", len(shown)*rowBytes, func(page *bytes.Buffer) error {
		if err := bp.tops.write(page, snap, key, data); err != nil {
			return err
		}
		if err := bp.rows.write(page, bp.e, snap, shown, t); err != nil {
			return err
		}
		return pages.ExecuteTemplate(page, "board-end", data)
	})
}

// selCache keeps the filtered selections of those who see every branch,
// per snapshot: a filter by verdict walks the snapshot's branches (20,000
// without a region), and a reader paging through a filter asks for the
// same selection page after page.
type selCache struct {
	mu   sync.Mutex
	snap *readiness.Snapshot
	m    map[selKey]readiness.Selection
}

type selKey struct {
	region  string
	verdict readiness.Verdict
}

// get is snap.Select, kept when covers is nil (everyone) and a verdict is
// asked for (without one the snapshot's own lists serve).
func (c *selCache) get(snap *readiness.Snapshot, covers func(id, region string) bool, region string, verdict readiness.Verdict) readiness.Selection {
	if covers != nil || verdict == "" {
		return snap.Select(covers, region, verdict)
	}
	k := selKey{region: region, verdict: verdict}
	c.mu.Lock()
	if c.snap != snap || len(c.m) > 64 {
		c.snap, c.m = snap, map[selKey]readiness.Selection{}
	}
	sel, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return sel
	}
	sel = snap.Select(nil, region, verdict)
	c.mu.Lock()
	if c.snap == snap {
		c.m[k] = sel
	}
	c.mu.Unlock()
	return sel
}
