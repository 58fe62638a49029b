package leader

import (
	"context"
	"time"
)

// Stored says that a collector stored results of Branch that started
// within [From, To] (both included).
type Stored struct {
	Branch   string
	From, To time.Time
}

// Feed carries word of stored results from every collector to the leader,
// whose alert engine must see them all.
type Feed interface {
	// Announce tells the leader, wherever it runs, that results were stored.
	Announce(ctx context.Context, s Stored) error
	// Subscribe starts listening: every Announce made after it returns is
	// delivered by the Subscription.
	Subscribe(ctx context.Context) (Subscription, error)
}

// Subscription delivers announcements in the order they were made.
type Subscription interface {
	// Next waits for the next announcement, or until ctx ends or the
	// subscription breaks (an error).
	Next(ctx context.Context) (Stored, error)
	// Close ends the subscription.
	Close() error
}
