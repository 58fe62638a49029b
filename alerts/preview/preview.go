package preview

import (
	"context"
	"strconv"
	"sync/atomic"

	"github.com/branchready/branchready/alerts/notify"
)

// Name is the notifier name messages for the board carry.
const Name = "board"

// Notifier accepts every message and sends it nowhere.
type Notifier struct{ seq atomic.Int64 }

var _ notify.Notifier = (*Notifier)(nil)

// Name implements notify.Notifier.
func (*Notifier) Name() string { return Name }

// Notify records nothing beyond the receipt: the outbox row itself, with
// its text, is what the board shows.
func (n *Notifier) Notify(_ context.Context, thread notify.Receipt, m notify.Message) (notify.Receipt, error) {
	if m.Op != notify.Post && thread.TS != "" {
		return thread, nil
	}
	return notify.Receipt{Channel: m.Target, TS: strconv.FormatInt(n.seq.Add(1), 10)}, nil
}
