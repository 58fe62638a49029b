package result

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
)

// sweepStamp is the layout of the agent-clock start time inside a sweep id.
const sweepStamp = "20060102T150405"

// NewSweepID names a sweep "<kind>-<start, UTC, agent clock>-<random>", for
// example "pre_opening-20261124T074500-3f9a1c". The collector reads the kind
// and the start back with ParseSweep: the agent's own clock decided which
// scheduled sweep this was, so a result whose event time the collector later
// corrects for clock skew can still be counted for the sweep it belongs to.
func NewSweepID(kind string, start time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return kind + "-" + start.UTC().Format(sweepStamp) + "-" + hex.EncodeToString(b[:])
}

// ParseSweep reads the kind and the agent-clock start time from a sweep id
// made by NewSweepID. ok is false for any other string (an empty sweep, a
// load generator's label).
func ParseSweep(id string) (kind string, start time.Time, ok bool) {
	kind, rest, found := strings.Cut(id, "-")
	if !found || kind == "" {
		return "", time.Time{}, false
	}
	stamp, _, _ := strings.Cut(rest, "-")
	t, err := time.Parse(sweepStamp, stamp)
	if err != nil {
		return "", time.Time{}, false
	}
	return kind, t, true
}
