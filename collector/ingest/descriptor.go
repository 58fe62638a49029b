package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// DescriptorKeeper is a store that can tell whether it already holds a
// branch's descriptor, by the SHA-256 of its JSON (SQLite). An agent sends
// its descriptor with its first batch after every start and whenever its
// configuration changes; in a wave after a fleet restart that is 20,000
// descriptors of a few KB, which the handler decoded and validated with
// encoding/json (reflection, a fifth of the handler's time), and the store
// encoded again, only to find each one unchanged. When the bytes the agent
// sent are the ones the store holds, the batch is stored without its
// descriptor instead, which keeps the stored one. A descriptor the store
// does not hold, including one that failed validation (never stored), is
// decoded and validated as before, so its errors still reach the agent.
type DescriptorKeeper interface {
	// HasDescriptor reports whether the descriptor stored for branch is the
	// JSON whose SHA-256 is sum; false when the store is not sure.
	HasDescriptor(branch string, sum [32]byte) bool
}

// DescriptorJSONWriter is a store that takes a batch's descriptor as the
// JSON the agent sent, with its SHA-256, and decides itself, against what
// it holds, whether the descriptor changed (PostgreSQL, which several
// collectors share: what this process last saw of a branch says nothing
// of what another one wrote since; SQLite, a DescriptorKeeper too, only to
// store a new descriptor without encoding it again). The store then never encodes a
// descriptor to hash it, and the handler decodes a branch's descriptor
// only when its bytes differ from the ones it decoded last for the branch
// (the decoded descriptor still goes to Options.Contacted).
//
// desc is valid JSON that decodes to a valid descriptor, "" when the
// batch carried none; sum is its SHA-256. It is the agent's bytes as
// sent, unless they were not valid UTF-8 (encoding/json accepts and
// replaces such bytes, a database text column refuses them), longer than
// maxRawDescriptor, or the batch named its descriptor twice (decoded as
// one merged value): then it is the descriptor as encoding/json encodes it.
type DescriptorJSONWriter interface {
	WriteBatchJSON(ctx context.Context, branch string, rs []result.Result, receivedAt time.Time, desc string, sum [32]byte, c store.Contact) (inserted, duplicates int, err error)
}

// maxRawDescriptor bounds the descriptor JSON stored as the agent sent it:
// a longer one (blanks the agent padded it with, say) is stored encoded
// anew, compact. A real descriptor is a few KB.
const maxRawDescriptor = 1 << 20

// heldDescriptor is the descriptor the handler decoded last for a branch,
// with the SHA-256 of the JSON it was decoded from.
type heldDescriptor struct {
	sum [32]byte
	d   *result.Descriptor
}

// knownDescriptor returns the test parse uses to skip decoding a
// descriptor, or nil when the handler decodes every descriptor (the
// store cannot tell, or the handler stores nothing).
func (h *Handler) knownDescriptor(branch string) knownFunc {
	if h.o.Discard {
		return nil
	}
	switch st := h.o.Store.(type) {
	case DescriptorKeeper: // first: a store that knows needs no decoded copy here
		return func(sum [32]byte) (*result.Descriptor, bool) { return nil, st.HasDescriptor(branch, sum) }
	case DescriptorJSONWriter:
		return func(sum [32]byte) (*result.Descriptor, bool) {
			if v, ok := h.held.Load(branch); ok && v.(*heldDescriptor).sum == sum {
				return v.(*heldDescriptor).d, true
			}
			return nil, false
		}
	}
	return nil
}

// descriptorJSON sets env.descJSON and env.descSum to what a
// DescriptorJSONWriter is handed for env's descriptor (body is the batch
// parse read env from, checked with checkEnvelope), and remembers a
// descriptor decoded from the agent's bytes for the next batch of branch
// that carries the same bytes.
func (h *Handler) descriptorJSON(branch string, env *envelope, body []byte) error {
	if _, ok := h.o.Store.(DescriptorJSONWriter); !ok || h.o.Discard || env.Descriptor == nil {
		return nil
	}
	raw := body[env.descAt:env.descEnd]
	if env.descs == 1 {
		if _, keeper := h.o.Store.(DescriptorKeeper); !keeper && !env.descKnown {
			h.held.Store(branch, &heldDescriptor{sum: env.descSum, d: env.Descriptor})
		}
		if len(raw) <= maxRawDescriptor && utf8.Valid(raw) {
			env.descJSON = string(raw) // a copy: the body's buffer is reused
			return nil
		}
	}
	b, err := json.Marshal(env.Descriptor)
	if err != nil {
		return fail(http.StatusBadRequest, "descriptor: %v", err)
	}
	env.descJSON, env.descSum = string(b), sha256.Sum256(b)
	return nil
}
