package board

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/branchready/branchready/collector/api"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
)

// A branch page's store reads, timed on PostgreSQL with two collectors
// during a wave, were most of its time: the judgement (read when the
// branch has reported since the snapshot) and then, one after the other,
// the pictures' reads. The pictures need only the branch and the date
// shown, both known before the judgement, so their reads start first and
// go on while the branch is judged.

// branchPageHandler serves GET /branches/{id}[?date=YYYY-MM-DD].
type branchPageHandler struct {
	e    *readiness.Engine
	st   api.Confirmations
	now  func() time.Time
	log  *slog.Logger
	days *dayCache
}

func (h *branchPageHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// A person waits for this page: its store reads go to the
	// connections kept for that (store.Interactive).
	ctx := store.Interactive(r.Context())
	id, date := r.PathValue("id"), r.URL.Query().Get("date")
	err := api.Sees(ctx, engineDir{e: h.e, Directory: h.st}, api.Person(r), id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		http.Error(w, "cannot read the branch", http.StatusInternalServerError)
		return
	}
	var (
		s    readiness.BranchStatus
		pics *pictureJob
	)
	if err == nil {
		pics = h.startPictures(ctx, id, date)
		s, err = h.e.One(ctx, id, date)
	}
	switch {
	case errors.Is(err, store.ErrNotFound) && neverReported(w, r, h.st, h.log):
	case errors.Is(err, store.ErrNotFound):
		http.Error(w, "no such branch", http.StatusNotFound)
	case err != nil:
		http.Error(w, err.Error(), http.StatusBadRequest)
	default:
		today, _, _ := strings.Cut(s.LocalTime, " ") // "2006-01-02 15:04 MST"
		tl, last := pics.get(s.Judgement.Date, today)
		render(w, h.log, "branch.html", branchPage{BranchStatus: s, Left: countdown(s.Judgement, h.now()),
			Days: around(s.Judgement.Date, today), User: api.User(r), CanConfirm: api.Person(r).Role.Can(auth.Confirm),
			Timeline: tl, LastDays: last, Manual: manualItems(s)})
	}
}

// manualItem is a check staff confirm on the branch page, and the reason
// it is not fine now ("" when it is).
type manualItem struct {
	Device, Check, Problem string
}

// manualItems lists s's manual checks in the order of its devices. The
// template once walked every device and check to find them, comparing
// kinds and looking up problems through reflection: a fifth of the page.
func manualItems(s readiness.BranchStatus) []manualItem {
	ps := s.Judgement.Problems
	if s.Judgement.Current != nil {
		ps = s.Judgement.Current.Problems
	}
	var out []manualItem
	for _, dev := range s.Devices {
		for _, c := range dev.Checks {
			if c.Kind != manualKind {
				continue
			}
			it := manualItem{Device: dev.ID, Check: c.Name}
			for _, p := range ps {
				if p.Device == dev.ID && p.Check == c.Name {
					it.Problem = p.Reason
					break
				}
			}
			out = append(out, it)
		}
	}
	return out
}

// pictureJob is a branch page's pictures being drawn for a date, before
// the judgement says which date the page shows.
type pictureJob struct {
	h           *branchPageHandler
	ctx         context.Context
	id          string
	date, today string
	now         time.Time
	done        chan struct{}
	tl          *timeline
	days        []dayCell
}

// startPictures starts drawing branch id's pictures for the date asked
// for (empty: the branch's today), the one its judgement will show
// unless the branch changes time zone or the day ends meanwhile.
func (h *branchPageHandler) startPictures(ctx context.Context, id, date string) *pictureJob {
	j := &pictureJob{h: h, ctx: ctx, id: id, now: h.now(), done: make(chan struct{})}
	if b, err := h.e.Branch(ctx, id); err == nil && b.Descriptor != nil {
		// The branch's local date as the judgement gives it (Live).
		local := h.e.Live(&readiness.BranchStatus{Timezone: b.Descriptor.Calendar.Timezone}).LocalTime
		j.today, _, _ = strings.Cut(local, " ")
	}
	j.date = date
	if date == "" {
		j.date = j.today
	}
	if _, err := time.Parse(time.DateOnly, j.date); err != nil {
		close(j.done) // nothing to draw by: get draws what the judgement says
		return j
	}
	go func() {
		defer close(j.done)
		j.tl, j.days = branchPictures(ctx, h.e, h.st, id, j.date, j.today, h.days, j.now)
	}()
	return j
}

// get returns the pictures for the date the page shows: those started,
// or, when the judgement is of another date, ones drawn for it now.
func (j *pictureJob) get(date, today string) (*timeline, []dayCell) {
	<-j.done
	if date == j.date && today == j.today {
		return j.tl, j.days
	}
	return branchPictures(j.ctx, j.h.e, j.h.st, j.id, date, today, j.h.days, j.now)
}
