package ingest

import "crypto/sha256"

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

// knownDescriptor returns the test parse uses to skip a descriptor the
// store holds already, or nil when the store cannot tell or the handler
// stores nothing.
func (h *Handler) knownDescriptor(branch string) func(raw []byte) bool {
	k, ok := h.o.Store.(DescriptorKeeper)
	if !ok || h.o.Discard {
		return nil
	}
	return func(raw []byte) bool { return k.HasDescriptor(branch, sha256.Sum256(raw)) }
}
