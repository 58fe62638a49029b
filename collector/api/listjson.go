package api

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// A branch's status in the list is written by hand rather than through
// encoding/json's reflection: the list of 20,000 branches encodes every
// branch judged since the last list, thousands a second in a wave, and
// json.MarshalIndent took 2.6% of the collector's CPU there. The bytes
// are json.Marshal's for the same status (TestTheListEncodesAStatusAs-
// JSONMarshalDoes holds them to it for every field, filled at random, so
// that a field added to a status and not here fails that test). Whatever
// is rare and fiddly, a string needing escapes, a time json refuses, a
// map, the devices, is handed to encoding/json.

// piece is one branch's status encoded without the values of local_time
// and agent_silent, which change with the clock while the rest of the
// status stays: they go at raw[local] and raw[silent].
type piece struct {
	raw           []byte
	local, silent int
}

// encodeStatus encodes s as json.Marshal does, leaving out the two values
// the clock changes (see piece).
func encodeStatus(s *readiness.BranchStatus, buf []byte) (piece, error) {
	w := jsonw{b: buf}
	w.raw(`{"id":`)
	w.str(s.ID)
	w.raw(`,"name":`)
	w.str(s.Name)
	if s.Region != "" {
		w.raw(`,"region":`)
		w.str(s.Region)
	}
	w.raw(`,"timezone":`)
	w.str(s.Timezone)
	w.raw(`,"local_time":`)
	local := len(w.b)
	w.raw(`,"today":`)
	w.judgement(&s.Judgement)
	w.raw(`,"last_contact":`)
	w.contact(&s.Contact)
	w.raw(`,"clock_skew_alarm":`)
	w.bool(s.SkewAlarm)
	w.raw(`,"agent_silent":`)
	silent := len(w.b)
	if len(s.Devices) > 0 {
		w.raw(`,"devices":`)
		w.marshal(s.Devices)
	}
	w.raw(`,"judged_at":`)
	w.time(s.JudgedAt)
	w.raw(`}`)
	return piece{raw: w.b, local: local, silent: silent}, w.err
}

// jsonw appends JSON to b; the first error stops nothing but is kept.
type jsonw struct {
	b   []byte
	err error
}

func (w *jsonw) raw(s string) { w.b = append(w.b, s...) }

func (w *jsonw) bool(v bool) { w.b = strconv.AppendBool(w.b, v) }

func (w *jsonw) int(v int64) { w.b = strconv.AppendInt(w.b, v, 10) }

// str appends s quoted; a string json would escape anything in (quotes,
// control characters, <, > and &, invalid UTF-8, U+2028 and U+2029) is
// left to json.Marshal.
func (w *jsonw) str(s string) {
	if !plain(s) {
		w.marshal(s)
		return
	}
	w.b = append(w.b, '"')
	w.b = append(w.b, s...)
	w.b = append(w.b, '"')
}

// plain reports whether json.Marshal writes s as it is between quotes.
func plain(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r == '\u2028' || r == '\u2029' {
			return false
		}
		i += n
	}
	return true
}

func (w *jsonw) strs(ss []string) {
	if ss == nil {
		w.raw("null")
		return
	}
	w.b = append(w.b, '[')
	for i, s := range ss {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.str(s)
	}
	w.b = append(w.b, ']')
}

// time appends t as Time.MarshalJSON does (RFC 3339 with nanoseconds);
// one it refuses (a year beyond 0-9999, an offset of a day or more)
// goes to json.Marshal for its error.
func (w *jsonw) time(t time.Time) {
	_, off := t.Zone()
	if y := t.Year(); y < 0 || y > 9999 || off <= -24*3600 || off >= 24*3600 {
		w.marshal(t)
		return
	}
	w.b = append(w.b, '"')
	w.b = t.AppendFormat(w.b, time.RFC3339Nano)
	w.b = append(w.b, '"')
}

func (w *jsonw) marshal(v any) {
	raw, err := json.Marshal(v)
	if err != nil && w.err == nil {
		w.err = err
	}
	w.b = append(w.b, raw...)
}

func (w *jsonw) judgement(j *readiness.Judgement) {
	w.raw(`{"date":`)
	w.str(j.Date)
	w.raw(`,"open":`)
	w.bool(j.Open)
	if j.Holiday != "" {
		w.raw(`,"holiday":`)
		w.str(j.Holiday)
	}
	if !j.Opening.IsZero() {
		w.raw(`,"opening":`)
		w.time(j.Opening)
	}
	if !j.Deadline.IsZero() {
		w.raw(`,"deadline":`)
		w.time(j.Deadline)
	}
	w.raw(`,"final":`)
	w.bool(j.Final)
	w.b = append(w.b, ',')
	w.stateFields(&j.State)
	if j.Current != nil {
		w.raw(`,"current":{`)
		w.stateFields(j.Current)
		w.b = append(w.b, '}')
	}
	if j.ReadyAt != nil {
		w.raw(`,"ready_at":`)
		w.time(*j.ReadyAt)
	}
	w.b = append(w.b, '}')
}

// stateFields appends a State's fields without braces: a Judgement
// embeds them among its own.
func (w *jsonw) stateFields(s *readiness.State) {
	w.raw(`"verdict":`)
	w.str(string(s.Verdict))
	w.raw(`,"at":`)
	w.time(s.At)
	if len(s.Problems) > 0 {
		w.raw(`,"problems":[`)
		for i := range s.Problems {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.item(&s.Problems[i])
		}
		w.b = append(w.b, ']')
	}
	if len(s.Groups) > 0 {
		w.raw(`,"groups":[`)
		for i := range s.Groups {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.group(&s.Groups[i])
		}
		w.b = append(w.b, ']')
	}
	if len(s.Maintenance) > 0 {
		w.raw(`,"maintenance":`)
		w.strs(s.Maintenance)
	}
}

func (w *jsonw) item(it *readiness.Item) {
	w.raw(`{"device":`)
	w.str(it.Device)
	w.raw(`,"check":`)
	w.str(it.Check)
	w.raw(`,"kind":`)
	w.str(it.Kind)
	w.raw(`,"criticality":`)
	w.str(string(it.Criticality))
	if it.Group != "" {
		w.raw(`,"group":`)
		w.str(it.Group)
	}
	w.raw(`,"status":`)
	w.str(string(it.Status))
	if it.Missing {
		w.raw(`,"missing":true`)
	}
	w.raw(`,"reason":`)
	w.str(it.Reason)
	if !it.At.IsZero() {
		w.raw(`,"at":`)
		w.time(it.At)
	}
	if !it.Since.IsZero() {
		w.raw(`,"since":`)
		w.time(it.Since)
	}
	w.b = append(w.b, '}')
}

func (w *jsonw) group(g *readiness.GroupState) {
	w.raw(`{"name":`)
	w.str(g.Name)
	w.raw(`,"criticality":`)
	w.str(string(g.Criticality))
	w.raw(`,"min":`)
	w.int(int64(g.Min))
	w.raw(`,"members":`)
	w.strs(g.Members)
	w.raw(`,"passing":`)
	w.strs(g.Passing)
	w.raw(`,"satisfied":`)
	w.bool(g.Satisfied)
	w.b = append(w.b, '}')
}

func (w *jsonw) contact(c *store.Contact) {
	w.raw(`{"at":`)
	w.time(c.At)
	w.raw(`,"agent_version":`)
	w.str(c.AgentVersion)
	w.raw(`,"config_hash":`)
	w.str(c.ConfigHash)
	w.raw(`,"clock_skew_ns":`)
	w.int(int64(c.ClockSkew))
	if c.Health != nil {
		w.raw(`,"health":`)
		w.health(c.Health)
	}
	w.b = append(w.b, '}')
}

func (w *jsonw) health(h *result.Health) {
	w.raw(`{"spool_depth":`)
	w.int(int64(h.SpoolDepth))
	w.raw(`,"dropped":`)
	w.b = strconv.AppendUint(w.b, h.Dropped, 10)
	if len(h.DroppedByReason) > 0 {
		w.raw(`,"dropped_by_reason":`)
		w.marshal(h.DroppedByReason)
	}
	if h.Held != 0 {
		w.raw(`,"held":`)
		w.int(int64(h.Held))
	}
	if !h.LastSweep.IsZero() {
		w.raw(`,"last_sweep":`)
		w.time(h.LastSweep)
	}
	w.raw(`,"last_sweep_ready":`)
	w.bool(h.LastSweepReady)
	w.b = append(w.b, '}')
}
