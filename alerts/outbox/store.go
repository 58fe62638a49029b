package outbox

import (
	"context"
	"errors"
	"time"

	"github.com/branchready/branchready/alerts/notify"
)

// Row is one decided notification.
type Row struct {
	// Seq orders rows: within an incident, lower Seq is delivered first.
	Seq     int64          `json:"seq"`
	Message notify.Message `json:"message"`
	// Attempts counts deliveries tried so far.
	Attempts int `json:"attempts"`
	// Unsettled is set by Claim when the row was claimed before and that
	// claim ran out without an outcome recorded (its deliverer died or
	// stopped, perhaps after the remote took the message).
	Unsettled bool `json:"unsettled,omitempty"`
	// ClaimedUntil is when the claim that returned the row runs out (set
	// by Claim and by a store that claims the rows it enqueues). The
	// deliverer sends nothing of a row after its claim: another may claim
	// it then. Zero when unknown; it is not stored with the row.
	ClaimedUntil time.Time `json:"-"`
	// NotBefore is the earliest next attempt (backoff, Retry-After).
	NotBefore time.Time `json:"not_before"`
	// State is pending, delivered or failed (a permanent error).
	State       string    `json:"state"`
	LastError   string    `json:"last_error,omitempty"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	// FailedAt is when the row was marked failed.
	FailedAt time.Time      `json:"failed_at,omitzero"`
	Receipt  notify.Receipt `json:"receipt,omitzero"`
}

// Claim is a claim on a row as its deliverer knows it: the row and when
// the claim runs out (Row.ClaimedUntil).
type Claim struct {
	Seq   int64
	Until time.Time
}

// Row states.
const (
	Pending   = "pending"
	Delivered = "delivered"
	Failed    = "failed"
)

// ErrNotPending is returned by Delivered, Retry, Fail and Release for a seq
// that names no row, or a row that is no longer pending (delivered or failed
// already, for instance by a deliverer whose lease ran out).
var ErrNotPending = errors.New("no pending outbox row")

// Store is the durable side of the outbox. Both collector stores implement
// it, and one conformance suite holds them to this contract.
type Store interface {
	// Enqueue appends rows in order, pending and claimable at once; Seqs
	// increase in the order given, across calls. The collector
	// normally enqueues inside the incident transaction instead; this is for
	// notifications decided alone (tests, the demo).
	Enqueue(ctx context.Context, ms []notify.Message) error
	// Claim returns up to n pending rows whose NotBefore <= now and which are
	// the oldest pending row of their (incident, notifier, target), oldest
	// first: a row waiting for its retry holds back the later rows of its
	// incident on that route. A row claimed is not returned again until lease has passed (so a
	// crashed deliverer's rows come back, and two deliverers never share one);
	// a row coming back that way is returned with Unsettled set.
	Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]Row, error)
	// Delivered marks a row sent and records the receipt; when the row was a
	// Post it also stores the receipt as the thread of (incident, notifier, target).
	// Delivered, Retry and Fail each count one attempt, end the row's claim
	// and return ErrNotPending when the row is not pending.
	Delivered(ctx context.Context, seq int64, r notify.Receipt, at time.Time) error
	// Retry records a failed attempt and when to try again.
	Retry(ctx context.Context, seq int64, errText string, notBefore time.Time) error
	// Fail marks a row permanently failed (a configuration error). A failed
	// row no longer holds back the later rows of its incident.
	Fail(ctx context.Context, seq int64, errText string, at time.Time) error
	// Renew extends to until each claim that is still as the deliverer
	// last knew it (the row pending and its claim ending at Claim.Until:
	// any other claim or outcome since has changed that), and returns the
	// seqs it extended. A deliverer keeps its claims short and renews
	// those it still holds, so that the rows of one that died come back
	// soon.
	Renew(ctx context.Context, claims []Claim, until time.Time) ([]int64, error)
	// Release gives a claimed row back untried: it ends the claim and makes
	// the row claimable again at notBefore, without counting an attempt or
	// touching LastError (the deliverer defers rows whose target is paced
	// or rate limited, and returns rows it claimed but did not try when it
	// stops).
	Release(ctx context.Context, seq int64, notBefore time.Time) error
	// Thread returns the receipt of an incident's first message on a
	// notifier and target, zero when none was delivered yet.
	Thread(ctx context.Context, incident, notifier, target string) (notify.Receipt, error)
	// Sent returns every row of an incident, oldest first (the incident page).
	Sent(ctx context.Context, incident string) ([]Row, error)
	// Stats returns the number of pending rows and the age of the oldest,
	// measured from its Message.DecidedAt (zero when none is pending).
	Stats(ctx context.Context, now time.Time) (pending int, oldest time.Duration, err error)
}

// Delivery is an accepted message to record: its row, the receipt the
// remote gave and when it accepted the message.
type Delivery struct {
	Seq     int64
	Receipt notify.Receipt
	At      time.Time
}

// Recorder is a Store that records several deliveries in one transaction
// and, in the same transaction, claims the rows they free. A deliverer
// sends an incident's messages one after the other: without Record it
// would ask Claim, which reads every pending row, after each delivery
// to find the next one; with it, it asks Claim only when something else
// may have made rows claimable (a new decision, a retry's time, a row
// failed for good, a claim run out).
type Recorder interface {
	// Record marks each delivery's row delivered as Delivered does, all
	// in one transaction, and lists in notPending the seqs of those that
	// were not pending (nothing is recorded for them). In the same
	// transaction it claims until now+lease each row that a delivery
	// recorded here made the oldest pending row of its incident route,
	// when that row is claimable at now as Claim would take it (NotBefore
	// <= now, no claim that has not run out), and returns those rows
	// oldest first, Unsettled and ClaimedUntil set as Claim sets them.
	Record(ctx context.Context, ds []Delivery, now time.Time, lease time.Duration) (next []Row, notPending []int64, err error)
}
