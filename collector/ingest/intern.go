package ingest

// interner shares the strings a request repeats: a wave's batch of 20
// results names its branch, sweep, agent version and status 20 times, its
// devices, checks and kinds a few times each, and a descriptor repeats
// its kinds and criticalities. Each was a separate allocation (and GC
// work) before. It is a small direct-mapped cache: a string whose slot
// holds another is simply made anew, so a lookup costs one hash of a few
// bytes and one comparison whatever the batch holds.
type interner struct {
	slots [64]string
}

// intern returns b as a string, shared with an earlier equal one if its
// slot still holds it.
func (in *interner) intern(b []byte) string {
	n := len(b)
	if n == 0 {
		return ""
	}
	h := (n*31 + int(b[0])*7 + int(b[n/2])*3 + int(b[n-1])) & (len(in.slots) - 1)
	if in.slots[h] == string(b) {
		return in.slots[h]
	}
	s := string(b)
	in.slots[h] = s
	return s
}

// plain is plainString, interned.
func (in *interner) plain(v []byte) (string, bool) {
	s, ok := plainBytes(v)
	if !ok {
		return "", false
	}
	return in.intern(s), true
}
