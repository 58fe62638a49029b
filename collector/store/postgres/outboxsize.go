package postgres

import (
	"math/bits"
	"strconv"

	"github.com/branchready/branchready/alerts/outbox"
)

// sized returns an outbox statement's text for the outbox's size class:
// the bit length of the highest seq this store has seen (seq, or an
// earlier one), which grows by one each time the outbox's rows double.
//
// pgx prepares a statement once per connection, and PostgreSQL then keeps
// a generic plan of it, planned once, for as long as it costs no more
// than the plans made for the arguments. A generic plan made in a wave's
// first seconds, when the outbox was a page, scanned the whole table, and
// every later call on that connection ran it as the outbox grew (Record:
// 25 ms a call, 830 pages read for 14 rows, in a 20,000-branch wave, the
// server's busiest backend). A new size class is a new statement text, so
// a new prepared statement, planned again (five plans for the arguments,
// then a generic one) for an outbox at most twice the size it was planned
// for: once the outbox is past a few pages every plan finds rows by their
// keys, and it stays so. Planning every call instead (pgx's
// cache-describe mode) cost some 0.8 ms a Record call, most of what the
// call does. The comment changes neither the plan nor pg_stat_statements'
// grouping. TestTheOutboxStatementsFollowTheOutboxAsItGrows holds this.
func (s *Store) sized(sql string, seq int64) string {
	s.sawSeq(seq)
	return sql + "\n-- outbox size class " + strconv.Itoa(bits.Len64(uint64(s.outboxSeq.Load())))
}

// sawSeq notes an outbox seq the store has seen.
func (s *Store) sawSeq(seq int64) {
	for {
		old := s.outboxSeq.Load()
		if seq <= old || s.outboxSeq.CompareAndSwap(old, seq) {
			return
		}
	}
}

// sawRows notes the seqs of rows the store has read.
func (s *Store) sawRows(rows []outbox.Row) {
	for _, r := range rows {
		s.sawSeq(r.Seq)
	}
}
