package board

import (
	"bytes"
	"html/template"
	"sync"

	"github.com/branchready/branchready/collector/readiness"
)

// topCache keeps the board's head (who is signed in, the counts) and its
// filter form, which change only with the snapshot, the person and the
// view: rendering them took as long as the 200 rows once those were cut
// into cached pieces. The times between them are rendered per request.
type topCache struct {
	mu   sync.Mutex
	snap *readiness.Snapshot
	tops map[topKey]top
}

// topKey is what a board's head and form depend on besides the snapshot:
// who (the person, whose scope sets the counts and regions) and the view
// as applied.
type topKey struct {
	who, region string
	verdict     readiness.Verdict
	page        int
}

type top struct{ head, view template.HTML }

// maxTops bounds the heads kept for one snapshot.
const maxTops = 256

// write renders the page up to its rows into page: the cached head, the
// times, the cached form.
func (c *topCache) write(page *bytes.Buffer, snap *readiness.Snapshot, k topKey, data map[string]any) error {
	t, err := c.get(snap, k, data)
	if err != nil {
		return err
	}
	page.WriteString(string(t.head))
	if err := pages.ExecuteTemplate(page, "board-times", data); err != nil {
		return err
	}
	page.WriteString(string(t.view))
	return nil
}

func (c *topCache) get(snap *readiness.Snapshot, k topKey, data map[string]any) (top, error) {
	c.mu.Lock()
	if snap != c.snap || len(c.tops) > maxTops {
		c.snap, c.tops = snap, map[topKey]top{}
	}
	t, ok := c.tops[k]
	c.mu.Unlock()
	if ok {
		return t, nil
	}
	var err error
	if t.head, err = execute(pages.Lookup("board.html"), data); err != nil {
		return t, err
	}
	if t.view, err = execute(pages.Lookup("board-view"), data); err != nil {
		return t, err
	}
	c.mu.Lock()
	if snap == c.snap {
		c.tops[k] = t
	}
	c.mu.Unlock()
	return t, nil
}
