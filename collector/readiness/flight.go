package readiness

// flight is a judgement under way. Requests that need the same branch
// judged while it runs wait for it instead of judging it again: at start-up
// the metrics refresh and the first board request would otherwise judge
// every branch cold at the same time, reading every result twice.
type flight struct {
	done chan struct{}
	s    BranchStatus
	err  error
}

// join returns the flight judging branch id, and whether the caller leads
// it (and must land it). Called with e.mu held.
func (e *Engine) join(id string) (f *flight, lead bool) {
	if f, ok := e.flights[id]; ok {
		return f, false
	}
	if e.flights == nil {
		e.flights = map[string]*flight{}
	}
	f = &flight{done: make(chan struct{})}
	e.flights[id] = f
	return f, true
}

// land ends a flight with its outcome, caches a good judgement unless the
// branch was invalidated meanwhile, and wakes those waiting for it.
func (e *Engine) land(id string, f *flight, c cached, err error) {
	f.s, f.err = c.status, err
	e.mu.Lock()
	if e.flights[id] == f {
		delete(e.flights, id)
		if err == nil {
			if e.cache == nil {
				e.cache = map[string]cached{}
			}
			e.cache[id] = c
		}
	}
	e.mu.Unlock()
	close(f.done)
}
