package slacktest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// historyLocked answers conversations.history (a channel's top-level
// messages, newest first) and conversations.replies (a thread: its parent
// then its replies, oldest first), both since oldest, a page of limit at a
// time with a cursor, with metadata only when include_all_metadata is set.
func (s *Server) historyLocked(w http.ResponseWriter, f form, replies bool) {
	id := s.lookupLocked(f.Get("channel"))
	if id == "" {
		replyError(w, "channel_not_found")
		return
	}
	oldest, ok := parseTS(f.Get("oldest"))
	if !ok {
		replyError(w, "invalid_ts_oldest")
		return
	}
	var picked []*Message
	thread := f.Get("ts")
	if replies && s.findLocked(id, thread) == nil {
		replyError(w, "thread_not_found")
		return
	}
	for _, m := range s.messages[id] {
		top := m.ThreadTS == ""
		if (replies && m.TS != thread && m.ThreadTS != thread) || (!replies && !top) || m.PostedAt.Before(oldest) {
			continue
		}
		picked = append(picked, m)
	}
	if !replies {
		slices.Reverse(picked)
	}
	from, _ := strconv.Atoi(f.Get("cursor"))
	limit, _ := strconv.Atoi(f.Get("limit"))
	if limit <= 0 {
		limit = 100
	}
	from = min(from, len(picked))
	to := min(from+limit, len(picked))
	withMeta := f.Get("include_all_metadata") == "1" || f.Get("include_all_metadata") == "true"
	out := make([]map[string]any, 0, to-from)
	for _, m := range picked[from:to] {
		v := map[string]any{"type": "message", "text": m.Text, "ts": m.TS}
		if m.ThreadTS != "" {
			v["thread_ts"] = m.ThreadTS
		}
		if withMeta && m.Metadata != nil {
			v["metadata"] = m.Metadata
		}
		out = append(out, v)
	}
	resp := map[string]any{"ok": true, "messages": out, "has_more": to < len(picked)}
	if to < len(picked) {
		resp["response_metadata"] = map[string]any{"next_cursor": strconv.Itoa(to)}
	}
	reply(w, resp)
}

// listLocked answers conversations.list: every channel, by name and id,
// in pages of limit.
func (s *Server) listLocked(w http.ResponseWriter, f form) {
	names := make([]string, 0, len(s.ids))
	for name := range s.ids {
		names = append(names, name)
	}
	slices.Sort(names)
	from, _ := strconv.Atoi(f.Get("cursor"))
	limit, _ := strconv.Atoi(f.Get("limit"))
	if limit <= 0 {
		limit = 100
	}
	from = min(from, len(names))
	to := min(from+limit, len(names))
	out := make([]map[string]any, 0, to-from)
	for _, name := range names[from:to] {
		out = append(out, map[string]any{"id": s.ids[name], "name": name, "is_channel": true})
	}
	next := ""
	if to < len(names) {
		next = strconv.Itoa(to)
	}
	reply(w, map[string]any{"ok": true, "channels": out, "response_metadata": map[string]any{"next_cursor": next}})
}

// parseTS reads a Slack timestamp ("1700000000.000123"); empty is the
// beginning of time.
func parseTS(ts string) (time.Time, bool) {
	if ts == "" {
		return time.Time{}, true
	}
	sec, frac, _ := strings.Cut(ts, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	var us int64
	if frac != "" {
		frac = (frac + "000000")[:6]
		if us, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return time.Time{}, false
		}
	}
	return time.Unix(n, us*1000), true
}

// metadataOf returns a post's metadata, or nil when it has none or it is
// not JSON.
func metadataOf(f form) json.RawMessage {
	md := f.Get("metadata")
	if md == "" || !json.Valid([]byte(md)) {
		return nil
	}
	return json.RawMessage(md)
}
